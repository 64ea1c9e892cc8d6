import { describe, expect, it } from "vitest";
import { EspruinoSandbox } from "../../sandbox/espruinoSandbox.js";
import { sandbox, sleep } from "./support.js";

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

describe("boot, load() and reset()", () => {
  it("boot() runs .bootcde and then E's init handlers", () => {
    const box = sandbox({
      storage: { ".bootcde": 'print("boot"); E.on("init", function () { print("init"); });' },
    });
    box.boot();
    expect(box.consoleLines()).toEqual(["boot", "init"]);
  });

  it("load() from the script re-runs .bootcde in a fresh context, keeping Storage", async () => {
    const box = sandbox({
      storage: {
        ".bootcde": `
          var s = require("Storage");
          var n = (s.readJSON("count.json", true) || 0) + 1;
          s.writeJSON("count.json", n);
          print("run " + n + " " + typeof leftover);
          setInterval(function () { print("tick " + n); }, 1000);
          if (n < 3) setTimeout(function () { leftover = 1; load(); }, 5);
        `,
      },
    });
    box.boot();
    await box.waitForLine(/^run 3/);
    expect(box.consoleLines()).toEqual(["run 1 undefined", "run 2 undefined", "run 3 undefined"]);
    expect(box.storageFile("count.json")).toBe("3");
    expect(box.activeHandles().timers).toBe(1);
  });

  it("host load() works the same, and reset() leaves an empty context with Storage intact", () => {
    const box = sandbox({ storage: { ".bootcde": "var booted = true; setTimeout(function () {}, 1000);" } });
    box.load();
    expect(box.run("typeof booted")).toBe("boolean");
    box.reset();
    expect(box.run("typeof booted")).toBe("undefined");
    expect(box.activeHandles().timers).toBe(0);
    expect(box.storageFile(".bootcde")).toBeDefined();
  });

  it("ESP32.deepSleep(us) is recorded and stops the program's timers", async () => {
    const box = sandbox();
    box.run(`
      setInterval(function () { print("awake"); }, 5);
      setTimeout(function () {
        ESP32.deepSleep(2000000);
        setTimeout(function () { print("after sleep"); }, 1);
      }, 12);
    `);
    await sleep(60);
    expect(box.deepSleeps).toEqual([2_000_000]);
    expect(box.consoleLines().filter((l) => l !== "awake")).toEqual([]);
    const ticks = box.consoleLines().length;
    await sleep(30);
    expect(box.consoleLines()).toHaveLength(ticks);
    expect(box.activeHandles().timers).toBe(0);
  });

  it("wakeFromDeepSleep boots .bootcde again after the sleep", async () => {
    const box = sandbox({
      wakeFromDeepSleep: true,
      storage: {
        ".bootcde": `
          var s = require("Storage");
          var n = (s.readJSON("wakes.json", true) || 0) + 1;
          s.writeJSON("wakes.json", n);
          print("woke " + n);
          if (n < 2) ESP32.deepSleep(20000);
        `,
      },
    });
    box.boot();
    await box.waitForLine(/^woke 2$/);
    expect(box.deepSleeps).toEqual([20_000]);
  });
});

describe("stop()", () => {
  it("leaves no timer, watch, socket or pending echo behind", async () => {
    await sleep(20);
    const before = resources();
    const box = new EspruinoSandbox({ hcsr04: { trigger: "D5", echo: "D18", distanceCm: () => 300 } });
    box.run(`
      setInterval(function () {}, 10);
      setTimeout(function () {}, 100000);
      setWatch(function () {}, D18, { repeat: true, edge: "falling" });
      digitalPulse(D5, 1, 0.01);
      require("net").connect({ host: "127.0.0.1", port: 9 }, function () {});
    `);
    expect(box.activeHandles().timers).toBe(2);
    box.stop();
    expect(box.activeHandles()).toEqual({ timers: 0, watches: 0, sockets: 0, internal: 0 });
    await sleep(50);
    const after = resources();
    for (const kind of ["Timeout", "TCPSocketWrap", "Immediate"]) {
      expect(after[kind] ?? 0, kind).toBeLessThanOrEqual(before[kind] ?? 0);
    }
    expect(box.consoleLines()).toEqual([]);
  });

  it("ignores what a stopped script's callbacks would still schedule", () => {
    const box = sandbox();
    box.run("var later = function () { setTimeout(function () { print('x'); }, 1); };");
    box.stop();
    box.stop();
    expect(box.activeHandles().timers).toBe(0);
  });
});
