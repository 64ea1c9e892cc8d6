import { describe, expect, it } from "vitest";
import { echoToCm } from "../../src/core/filter.js";
import { sandbox, sleep, waitFor } from "./support.js";

/** Pings like the firmware's ranger: watch the echo's falling edge, pulse the trigger, time out. */
const PING = `
var pings = 0;
function ping() {
  var done = false;
  var watch = setWatch(function (e) {
    done = true;
    clearTimeout(timeout);
    print("echo " + ((e.time - e.lastTime) * 1e6).toFixed(1) + " " + e.state);
  }, D18, { repeat: false, edge: "falling" });
  var timeout = setTimeout(function () {
    if (!done) { clearWatch(watch); print("timeout"); }
  }, 40);
  digitalPulse(D5, 1, 0.01);
  pings++;
}
ping();
`;

function echoUs(line: string): number {
  const match = /^echo ([0-9.]+) false$/.exec(line);
  if (match?.[1] === undefined) throw new Error(`not an echo line: ${line}`);
  return Number(match[1]);
}

describe("virtual HC-SR04", () => {
  it.each([5, 42, 150, 205, 390])("measures %s cm within ±1 cm", async (cm) => {
    const box = sandbox({ hcsr04: { trigger: "D5", echo: "D18", distanceCm: () => cm } });
    box.run(PING, "ping.js");
    await box.waitForLine(/^(echo|timeout)/);
    const line = box.consoleLines()[0] ?? "";
    const measured = echoToCm(echoUs(line), 20);
    expect(measured).not.toBeNull();
    expect(Math.abs((measured ?? 0) - cm)).toBeLessThanOrEqual(1);
  });

  it("uses the configured air temperature for the speed of sound", async () => {
    const box = sandbox({
      hcsr04: { trigger: "D5", echo: "D18", distanceCm: () => 200, temperatureC: -10 },
    });
    box.run(PING);
    const line = await box.waitForLine(/^echo/);
    expect(echoToCm(echoUs(line), -10)).toBeCloseTo(200, 2);
    expect(echoToCm(echoUs(line), 20) ?? 0).toBeGreaterThan(205);
  });

  it("gives no callback when there is no echo: the script's own timeout fires", async () => {
    const box = sandbox({ hcsr04: { trigger: "D5", echo: "D18", distanceCm: () => null } });
    box.run(PING);
    await box.waitForLine(/^timeout$/);
    await sleep(20);
    expect(box.consoleLines()).toEqual(["timeout"]);
  });

  it("asks the distance once per trigger pulse, so it can change between pings", async () => {
    const distances = [100, 250, null, 80];
    let asked = 0;
    const box = sandbox({
      hcsr04: { trigger: "D5", echo: "D18", distanceCm: () => distances[asked++] ?? null },
    });
    box.run(`${PING}
      var more = setInterval(function () { if (pings < 4) ping(); else clearInterval(more); }, 60);`);
    await waitFor(() => box.consoleLines().length === 4, "four pings");
    const lines = box.consoleLines();
    expect(lines[2]).toBe("timeout");
    expect([lines[0], lines[1], lines[3]].map((l) => Math.round(echoToCm(echoUs(l ?? ""), 20) ?? 0))).toEqual(
      [100, 250, 80],
    );
  });

  it("ignores pulses on other pins and a repeat watch sees rising and falling edges", async () => {
    const box = sandbox({ hcsr04: { trigger: "D5", echo: "D18", distanceCm: () => 50 } });
    box.run(`
      setWatch(function (e) { print("edge " + e.state + " " + e.pin); }, "D18", { repeat: true, edge: "both" });
      digitalPulse(D4, 1, 0.01);
      setTimeout(function () { digitalPulse("D5", 1, 0.01); }, 20);
    `);
    await waitFor(() => box.consoleLines().length === 2, "two edges");
    expect(box.consoleLines()).toEqual(["edge true D18", "edge false D18"]);
    expect(box.pinLevel("D5")).toBe(0);
  });

  it("drives inputs and reads outputs through virtual pins", () => {
    const box = sandbox();
    box.run(`
      setWatch(function (e) { print("button " + e.state); }, D0, { repeat: true, edge: "rising" });
      digitalWrite(D2, 1);
      pinMode(D0, "input_pullup");
    `);
    box.setPin("D0", 1);
    box.setPin("D0", 0);
    box.setPin("D0", 1);
    expect(box.consoleLines()).toEqual(["button true", "button true"]);
    expect(box.pinLevel("D2")).toBe(1);
    expect(box.run('digitalRead(D0) + " " + getPinMode("D0") + " " + D2.read() + " " + Pin("D2")')).toBe(
      "1 input_pullup true D2",
    );
  });
});
