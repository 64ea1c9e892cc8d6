import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ReadlineParser } from "@serialport/parser-readline";
import { SerialPort } from "serialport";
import { afterEach, describe, expect, it } from "vitest";
import { plugIn, removeDir } from "../../firmware/test/tools/pty.js";
import { isUserFacing } from "../../gateway/src/errors.js";
import {
  eventually,
  getJson,
  startTestGateway,
  type TestGateway,
  tempDir,
} from "../../gateway/test/support/gateway.js";
import { encodeReport } from "../../protocol/src/encode.js";
import { REPO_ROOT } from "../../testkit/paths.js";
import { openSerialSink, type SerialSink } from "../src/serialSink.js";

interface CurrentSpot {
  zone: string;
  spot: string;
  status: string;
  online: boolean;
  seq: number | null;
}

/** Pids of live processes whose command line contains `text` (socat's names its links). */
function pidsWith(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${entry}/status`, "utf8"))?.[1];
      if (cmdline.includes(text) && state !== "Z") pids.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return pids;
}

/** Running, that is: neither gone nor a zombie waiting for its parent. */
function alive(pid: number): boolean {
  try {
    return /^State:\s+[^Z]/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

/** The pair's directory: the parent of the simulator's end. */
const dirOf = (sink: SerialSink) => resolve(sink.device, "..");

describe("the simulator's serial transport", () => {
  const sinks: SerialSink[] = [];
  const gateways: TestGateway[] = [];
  const children: ChildProcess[] = [];

  afterEach(async () => {
    for (const child of children.splice(0)) child.kill("SIGKILL");
    await Promise.all(sinks.splice(0).map((sink) => sink.close()));
    await Promise.all(gateways.splice(0).map((gateway) => gateway.dispose()));
  });

  it("carries 24 spot reports into a real gateway's --serial ingest, then a change", async () => {
    const sink = await openSerialSink({});
    sinks.push(sink);
    expect(sink.gatewayPath).toBe(join(dirOf(sink), "gateway"));
    const gateway = await startTestGateway({ serial: sink.gatewayPath });
    gateways.push(gateway);
    // Lines written before the gateway opens its end are lost: opening flushes the pty's input.
    await eventually(
      async () => {
        const health = await getJson<{ serial: Array<{ open: boolean }> }>(`${gateway.baseUrl}/api/health`);
        return health.body.serial[0]?.open ? true : undefined;
      },
      5_000,
      "the gateway to open its end",
    );

    const statusOf = (i: number) => (i % 3 === 0 ? "occupied" : "free");
    const ts = Date.now();
    for (let i = 1; i <= 24; i++) {
      sink.write(
        encodeReport(
          { status: statusOf(i), confidence: 0.9, seq: 1, ts: ts + i },
          { zone: "SER", spot: `ser_${i}` },
        ),
      );
    }
    const current = async () =>
      (await getJson<{ spots: CurrentSpot[] }>(`${gateway.baseUrl}/api/current`)).body.spots.filter(
        (s) => s.zone === "SER",
      );
    const spots = await eventually(async () => {
      const seen = await current();
      return seen.length === 24 ? seen : undefined;
    }, 5_000);
    for (let i = 1; i <= 24; i++) {
      expect(spots.find((s) => s.spot === `ser_${i}`)).toMatchObject({
        status: statusOf(i),
        online: true,
        seq: 1,
      });
    }
    expect(spots.filter((s) => s.status === "occupied")).toHaveLength(8);
    expect(sink.written).toBe(24);
    expect(sink.dropped).toBe(0);

    sink.write(
      encodeReport(
        { status: "occupied", confidence: 0.95, seq: 2, ts: ts + 100 },
        { zone: "SER", spot: "ser_5" },
      ),
    );
    const changed = await eventually(async () =>
      (await current()).find((s) => s.spot === "ser_5" && s.status === "occupied"),
    );
    expect(changed.seq).toBe(2);
  });

  it("refuses a device that does not exist, in one sentence naming the flag", async () => {
    const missing = join(tmpdir(), `parking-no-such-dir-${process.pid}`, "ttyUSB9");
    const error = await openSerialSink({ device: missing }).catch((e: unknown) => e);
    expect(isUserFacing(error)).toBe(true);
    expect((error as Error).message).toBe(`--serial-device: ${missing} does not exist.`);
  });

  it("says how to get socat when it is missing", async () => {
    const path = process.env.PATH;
    const empty = tempDir("parking-serial-path-");
    process.env.PATH = empty;
    try {
      await expect(openSerialSink({})).rejects.toThrow(
        "--transport serial needs socat to make a pseudo-terminal pair (Debian: apt-get install socat), or give --serial-device PATH.",
      );
    } finally {
      process.env.PATH = path;
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("says so when socat cannot make the pair, and leaves no socat behind", async () => {
    const dir = tempDir("parking-serial-taken-");
    try {
      // socat replaces a file where a link should go, but not a directory.
      mkdirSync(join(dir, "nodes"));
      const outcome = await openSerialSink({ dir }).catch((e: unknown) => e);
      if (!(outcome instanceof Error)) sinks.push(outcome as SerialSink);
      expect((outcome as Error).message).toMatch(
        /^--transport serial: socat could not make a pseudo-terminal pair in .*\(unlink\(.*\): Is a directory\)\.$/,
      );
      expect(pidsWith(`link=${join(dir, "nodes")}`)).toHaveLength(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a device it may not write to", async () => {
    const dir = tempDir("parking-serial-ro-");
    chmodSync(dir, 0o755);
    const readOnly = join(dir, "ttyUSB0");
    writeFileSync(readOnly, "");
    chmodSync(readOnly, 0o444);
    try {
      // Root may write anything, so as root the check runs as `nobody`, like a user outside dialout.
      const sink = pathToFileURL(join(REPO_ROOT, "dist", "simulator", "src", "serialSink.js")).href;
      const script = `import(${JSON.stringify(sink)}).then((m) => m.openSerialSink({ device: ${JSON.stringify(readOnly)} })).then(() => console.log("opened"), (e) => console.log(e.message));`;
      const asRoot = process.getuid?.() === 0;
      const out = execFileSync(process.execPath, ["-e", script], {
        encoding: "utf8",
        ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
      });
      expect(out.trim()).toMatch(/^--serial-device: .* is not writable by this user/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes to a device it is given, and reports when that device goes away", async () => {
    const cable = await plugIn(tempDir("parking-serial-cable-"));
    try {
      const problems: string[] = [];
      const sink = await openSerialSink({
        device: cable.device,
        onError: (message) => problems.push(message),
      });
      sinks.push(sink);
      expect(sink.gatewayPath).toBe(cable.device);
      const reader = new SerialPort({ path: cable.host, baudRate: 115_200, autoOpen: false });
      const lines: string[] = [];
      reader.pipe(new ReadlineParser({ delimiter: "\n" })).on("data", (line: string) => lines.push(line));
      await new Promise<void>((done, fail) => reader.open((error) => (error ? fail(error) : done())));
      sink.write('{"zone":"SER","spot":"ser_1","status":"free","confidence":1}');
      await eventually(async () => (lines.length > 0 ? true : undefined), 3_000, "the line at the other end");
      expect(lines).toEqual(['{"zone":"SER","spot":"ser_1","status":"free","confidence":1}']);
      await new Promise<void>((done) => reader.close(() => done()));

      await cable.unplug();
      sink.write("{}");
      await eventually(async () => (problems.length > 0 ? true : undefined), 3_000, "the sink to notice");
      expect(problems[0]).toMatch(
        new RegExp(`^The serial device ${cable.device} stopped taking lines \\(.+\\)\\.$`),
      );
      sink.write("{}");
      expect(sink.dropped).toBeGreaterThanOrEqual(1);
    } finally {
      await cable.unplug();
      removeDir(cable.dir);
    }
  });

  it("drops lines instead of blocking or growing when nobody reads the other end", async () => {
    const maxQueuedBytes = 64 * 1024;
    const sink = await openSerialSink({ maxQueuedBytes });
    sinks.push(sink);
    const line = encodeReport(
      { status: "free", confidence: 0.9, seq: 1, ts: Date.now(), distanceCm: 250 },
      { zone: "SER", spot: "ser_1" },
    );
    const lines = Math.ceil((5 * 1024 * 1024) / (line.length + 1));
    const started = performance.now();
    let maxQueued = 0;
    for (let i = 0; i < lines; i++) {
      sink.write(line);
      maxQueued = Math.max(maxQueued, sink.queuedBytes);
    }
    expect(performance.now() - started).toBeLessThan(2_000);

    // The event loop stays free while the sink waits for room in the pty.
    const tick = performance.now();
    await new Promise((r) => setTimeout(r, 20));
    expect(performance.now() - tick).toBeLessThan(500);
    await new Promise((r) => setTimeout(r, 200));

    expect(maxQueued).toBeLessThanOrEqual(maxQueuedBytes);
    expect(sink.queuedBytes).toBeLessThanOrEqual(maxQueuedBytes);
    expect(sink.dropped).toBeGreaterThan(lines * 0.9);
    // The kernel and socat hold a little; the rest never left the queue.
    expect(sink.written * (line.length + 1)).toBeLessThan(maxQueuedBytes + 1024 * 1024);

    const closing = performance.now();
    await sink.close();
    sinks.splice(sinks.indexOf(sink), 1);
    expect(performance.now() - closing).toBeLessThan(3_000);
  });

  it("stops socat and its watchdog and removes the directory on close", async () => {
    const sink = await openSerialSink({});
    const dir = dirOf(sink);
    const [socat] = pidsWith(`link=${sink.device}`);
    expect(socat).toBeDefined();
    expect(alive(socat as number)).toBe(true);
    const watchdog = `rmdir "$1" ${socat} ${dir}`;
    expect(pidsWith(watchdog)).toHaveLength(1);

    await sink.close();
    expect(alive(socat as number)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect(pidsWith(watchdog)).toHaveLength(0);
  });

  it("reports, once, that socat went away, and drops lines from then on", async () => {
    const problems: string[] = [];
    const sink = await openSerialSink({ onError: (message) => problems.push(message) });
    sinks.push(sink);
    const [socat] = pidsWith(`link=${sink.device}`);
    process.kill(socat as number, "SIGKILL");
    await eventually(async () => (problems.length > 0 ? true : undefined), 3_000, "the sink to notice");
    sink.write('{"zone":"SER","spot":"ser_1","status":"free","confidence":1}');
    await new Promise((r) => setTimeout(r, 100));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^socat, which held the pseudo-terminal pair, exited \(SIGKILL\)/);
    expect(sink.dropped).toBe(1);
  });

  it.each([
    ["is killed outright", "setInterval(() => sink.write('{}'), 100);", "SIGKILL"],
    ["exits without closing the sink", "setTimeout(() => process.exit(0), 300);", null],
  ] as const)(
    "leaves neither socat nor its directory when the simulator's process %s",
    async (_, then, signal) => {
      const dist = resolve("dist/simulator/src/serialSink.js");
      const child = spawn(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `const { openSerialSink } = await import(${JSON.stringify(dist)});
         const sink = await openSerialSink({});
         console.log(sink.device);
         ${then}`,
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      children.push(child);
      const device = await new Promise<string>((done) =>
        child.stdout?.setEncoding("utf8").once("data", (text: string) => done(text.trim())),
      );
      const [socat] = pidsWith(`link=${device}`);
      expect(socat).toBeDefined();
      if (signal) child.kill(signal);
      await eventually(async () => (alive(socat as number) ? undefined : true), 3_000, "socat to be stopped");
      await eventually(
        async () => (existsSync(resolve(device, "..")) ? undefined : true),
        3_000,
        "its directory to go",
      );
    },
  );
});
