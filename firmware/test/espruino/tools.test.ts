import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decode } from "../../../protocol/src/decode.js";
import { bundlePath, espruinoBinary } from "../../../testkit/espruino.js";
import { type Mosquitto, restartMosquitto, startMosquitto } from "../../../testkit/mosquitto.js";
import { crc32 } from "../../tools/encode.js";
import { ToolError } from "../../tools/errors.js";
import { type FlashIo, type FlashOptions, flashNode } from "../../tools/flash.js";
import { monitorPort } from "../../tools/monitor.js";
import { fixtureBundle, writeFixtureBundle } from "../tools/fixtureBundle.js";
import { startTtyNode, type TtyNode } from "./ttyNode.js";

/**
 * `parking flash` and `parking monitor` as a person uses them, against the real Espruino
 * interpreter (the x64 host build) on a pseudo-terminal instead of an ESP32 on /dev/ttyUSB0, with
 * a real Mosquitto as the node's broker. The host build answers a REPL line in 50-80 ms, far
 * slower than a device on USB, so uploading the 25 KB bundle takes 10-15 s here.
 */

const ZONE = "Zone_T";
const SPOT = "tty_1";
const TOPIC = `parking/${ZONE}/${SPOT}`;

function recorder(
  onProgress: (done: number, total: number) => void = () => {},
): FlashIo & { steps: string[]; deviceLines: string[] } {
  const steps: string[] = [];
  const deviceLines: string[] = [];
  return {
    steps,
    deviceLines,
    step: (message) => steps.push(message),
    deviceLine: (line) => deviceLines.push(line),
    progress: onProgress,
  };
}

/** Lines a terminal would not show as such: Espruino's prompt or escape codes left in. */
function raw(lines: string[]): string[] {
  return lines.filter((line) => line.includes("\x1B") || line.includes("\r") || line.startsWith(">"));
}

async function eventually(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(50);
  }
}

/** The retained message on `topic`, as a client connecting now gets it. */
async function retained(url: string, topic: string): Promise<string> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  try {
    const message = new Promise<string>((resolve) =>
      client.on("message", (got, payload, packet) => {
        if (got === topic && packet.retain) resolve(payload.toString());
      }),
    );
    await client.subscribeAsync(topic, { qos: 1 });
    return await Promise.race([
      message,
      delay(5_000).then(() => {
        throw new Error(`no retained message on ${topic}`);
      }),
    ]);
  } finally {
    await client.endAsync();
  }
}

describe("parking flash and parking monitor on the real Espruino interpreter", () => {
  let dir: string;
  let broker: Mosquitto;
  let node: TtyNode | null = null;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "parking-tools-"));
    broker = await startMosquitto(dir);
  });

  afterAll(async () => {
    await node?.dispose();
    await broker?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function flashOptions(port: string, extra: Partial<FlashOptions> = {}): FlashOptions {
    return {
      port,
      bundle: bundlePath("min"),
      zone: ZONE,
      spot: SPOT,
      mqttHost: "127.0.0.1",
      mqttPort: broker.port,
      ...extra,
    };
  }

  it("uploads the built bundle, checks it by CRC-32, restarts the node and sees it report on MQTT", async () => {
    node = await startTtyNode(250);
    const io = recorder();
    const result = await flashNode(flashOptions(node.port, { timeouts: { reportMs: 20_000 } }), io).catch(
      (error: unknown) => {
        throw new Error(`${String(error)}\nsteps: ${io.steps.join(" / ")}\nconsole:\n${node?.output()}`);
      },
    );

    const bundle = readFileSync(bundlePath("min"));
    expect(result.bytes).toBe(bundle.length);
    // The node computed this over the file it stored, with E.CRC32.
    expect(result.checksum).toBe(crc32(bundle));
    expect(io.steps).toContainEqual(expect.stringMatching(/^Verified: the node holds the same/));
    // The node reaches a broker on this host long before its first measuring cycle (5 pings 60 ms
    // apart) ends, so its boot report goes to MQTT, and the console shows the `MQTT ...` line.
    expect(result.report).toMatchObject({ zone: ZONE, spot: SPOT, via: "mqtt", report: { status: "free" } });
    expect(result.report?.line.startsWith(`MQTT ${TOPIC} {`)).toBe(true);
    expect(raw(io.deviceLines)).toEqual([]);

    // What the console line announced is on the broker: the node's report, retained.
    const onBroker = decode("parking", TOPIC, await retained(broker.url, TOPIC));
    expect(onBroker).toMatchObject({ kind: "report", zone: ZONE, spot: SPOT, report: { status: "free" } });
  }, 50_000);

  it("shows what the node prints, its reports made readable, without prompts or escape codes", async () => {
    // Each test fails, with the reason, when ESPRUINO_BIN does not lead to the interpreter.
    espruinoBinary("x64");
    if (!node) throw new Error("needs the node flashed by the test before");
    const tty = node;
    const lines: string[] = [];
    const stop = new AbortController();
    const monitoring = monitorPort(
      { path: tty.port, baud: 115_200 },
      { line: (text) => lines.push(text), notice: (text) => lines.push(`notice: ${text}`) },
      stop.signal,
    );
    try {
      // Without its broker the node reports on the console, as JSON lines.
      await broker.stop();
      await tty.powerCycle();
      const serialReport = new RegExp(
        `^\\d\\d:\\d\\d:\\d\\d ${ZONE}/${SPOT} free \\(\\d\\.\\d\\d\\) 250 cm$`,
      );
      await eventually(() => lines.some((line) => serialReport.test(line)), "a serial report", 15_000);

      // With it, the node prints a line for each report it publishes; the monitor formats it too.
      broker = await restartMosquitto(dir, broker.port);
      await tty.powerCycle();
      const mqttReport = new RegExp(
        `^\\d\\d:\\d\\d:\\d\\d ${ZONE}/${SPOT} free \\(\\d\\.\\d\\d\\) 250 cm, on MQTT$`,
      );
      await eventually(() => lines.some((line) => mqttReport.test(line)), "an MQTT report line", 15_000);
    } catch (error) {
      throw new Error(`${String(error)}\nthe monitor showed:\n${lines.join("\n")}`);
    } finally {
      stop.abort();
      await monitoring;
    }
    expect(raw(lines)).toEqual([]);
    expect(lines.filter((line) => line.startsWith("notice:"))).toEqual([]);
  }, 50_000);

  it("stores bytes outside ASCII, quotes and control characters exactly as sent", async () => {
    await node?.dispose();
    node = await startTtyNode();
    const bundle = writeFixtureBundle(dir);
    const io = recorder();
    const result = await flashNode(flashOptions(node.port, { bundle, follow: false }), io);
    // E.CRC32 over the file as Storage.read gives it back counts each stored byte once, as zlib does.
    expect(result.checksum).toBe(crc32(fixtureBundle()));
    expect(fixtureBundle().some((byte) => byte >= 0x80)).toBe(true);
  }, 50_000);

  it("says a node that stops answering in the middle of the upload may have reset or crashed", async () => {
    await node?.dispose();
    const tty = await startTtyNode();
    node = tty;
    let crashedAt: number | undefined;
    let crashTime = 0;
    const io = recorder((done, total) => {
      if (crashedAt === undefined && done > total / 3) {
        crashedAt = done;
        crashTime = Date.now();
        void tty.crash();
      }
    });
    const error = await flashNode(
      flashOptions(tty.port, { timeouts: { commandMs: 2_000, answerMs: 2_000 } }),
      io,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ToolError);
    const total = readFileSync(bundlePath("min")).length;
    expect((error as Error).message).toBe(
      `The node on ${tty.port} stopped answering while uploading byte ${crashedAt} of ${total}: it may have reset or crashed (\`parking monitor --port ${tty.port}\` shows what it prints), or the USB cable may be loose or faulty; flash again once it answers.`,
    );
    // One command's wait and two re-syncs' (2 s each here), not three tries of each.
    expect(Date.now() - crashTime).toBeLessThan(9_000);
  }, 50_000);
});
