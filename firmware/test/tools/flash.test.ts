import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { crc32 } from "../../tools/encode.js";
import { ToolError } from "../../tools/errors.js";
import { type FlashIo, type FlashOptions, flashNode } from "../../tools/flash.js";
import { MAX_LINE_CHARS } from "../../tools/repl.js";
import { FakeEspruino, type FakeEspruinoOptions } from "./fakeRepl.js";
import { fixtureBundle, writeFixtureBundle } from "./fixtureBundle.js";
import { type Cable, plugIn, removeDir } from "./pty.js";

/** A FlashIo that keeps what it was told. */
function recorder(): FlashIo & {
  steps: string[];
  deviceLines: string[];
  progressCalls: Array<[number, number]>;
} {
  const recorded = {
    steps: [] as string[],
    deviceLines: [] as string[],
    progressCalls: [] as Array<[number, number]>,
    step: (message: string) => recorded.steps.push(message),
    deviceLine: (line: string) => recorded.deviceLines.push(line),
    progress: (done: number, total: number) => recorded.progressCalls.push([done, total]),
  };
  return recorded;
}

describe("flashNode through a fake Espruino REPL on a pseudo-terminal", () => {
  let cable: Cable;
  let device: FakeEspruino | null = null;
  let bundlePath: string;

  beforeEach(async () => {
    cable = await plugIn();
    bundlePath = writeFixtureBundle(cable.dir);
  });

  afterEach(async () => {
    await device?.close();
    device = null;
    await cable.unplug();
    removeDir(cable.dir);
  });

  async function attach(options: FakeEspruinoOptions = {}): Promise<FakeEspruino> {
    device = await FakeEspruino.attach(cable.device, options);
    return device;
  }

  function options(extra: Partial<FlashOptions> = {}): FlashOptions {
    return {
      port: cable.host,
      bundle: bundlePath,
      zone: "Zone_A",
      spot: "place_1",
      wifiSsid: "Parking Lot ✓",
      wifiPassword: 'p"a\\ss wörd',
      mqttHost: "192.168.1.10",
      mqttPort: "1883",
      timeouts: { resetSettleMs: 100, bleRestartMs: 400, reportMs: 5_000 },
      ...extra,
    };
  }

  async function failure(promise: Promise<unknown>): Promise<string> {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ToolError);
    const message = (error as Error).message;
    expect(message).not.toContain("\n");
    return message;
  }

  it("uploads, verifies, writes the settings, restarts and returns the node's first report", async () => {
    const node = await attach();
    const io = recorder();
    const result = await flashNode(options({ thresholdCm: "150", mqttUsername: "node" }), io);

    const bundle = fixtureBundle();
    expect(node.file(".bootcde")?.equals(bundle)).toBe(true);
    expect(result.bytes).toBe(bundle.length);
    expect(JSON.parse(node.file("parking.json")?.toString("utf8") ?? "")).toEqual({
      zone: "Zone_A",
      spot: "place_1",
      wifi: { ssid: "Parking Lot ✓", password: 'p"a\\ss wörd' },
      mqtt: { host: "192.168.1.10", port: 1883, username: "node" },
      threshold_cm: 150,
    });

    expect(io.progressCalls[0]).toEqual([0, bundle.length]);
    expect(io.progressCalls.at(-1)).toEqual([bundle.length, bundle.length]);
    expect(io.progressCalls.length).toBeGreaterThan(10);
    expect(result.report).toMatchObject({
      zone: "Zone_A",
      spot: "place_1",
      via: "serial",
      report: { status: "occupied" },
    });
    expect(io.deviceLines).toContain("parking node starting");
    expect(io.steps).toContainEqual(
      expect.stringMatching(/^Verified: the node holds the same \d+ bytes \(CRC-32 [0-9a-f]{8}, checked in/),
    );
    expect(result.checksum).toBe(crc32(bundle));
    expect(result.retries).toBe(0);

    // Each chunk is assembled in short lines, and stored only once the device has checked its CRC-32.
    const writes = node.lines.filter((line) => line.includes('Storage").write(".bootcde"'));
    expect(writes[0]).toContain(`require("Storage").write(".bootcde",c,0,${bundle.length})`);
    expect(writes[1]).toContain('require("Storage").write(".bootcde",c,512)');
    expect(writes[0]).toMatch(/^print\(\(E\.CRC32\(c\)>>>0\)==\d+\?/);
    expect(Math.max(...node.lines.map((line) => line.length))).toBeLessThanOrEqual(MAX_LINE_CHARS);
    expect(node.lines).toContain("reset();");
    expect(node.lines.at(-1)).toBe("load();");
    // A board without the ESP32 object is asked about Bluetooth, and left alone.
    expect(node.lines.some((line) => line.includes("enableBLE"))).toBe(false);
  });

  it("turns Bluetooth off on an ESP32 that has it on, before the upload, and goes on after the restart", async () => {
    const node = await attach({ ble: true });
    const io = recorder();
    await flashNode(options({ follow: false }), io);
    expect(node.bluetooth).toBe(false);
    expect(io.steps).toContainEqual(
      expect.stringMatching(/^Turning Bluetooth off: .* The board restarts\.$/),
    );
    const off = node.lines.indexOf("ESP32.enableBLE(false)");
    const firstWrite = node.lines.findIndex((line) => line.includes('Storage").write(".bootcde"'));
    expect(off).toBeGreaterThanOrEqual(0);
    // enableBLE erases the saved code: it must come before the bundle is written.
    expect(off).toBeLessThan(firstWrite);
    expect(node.file(".bootcde")?.equals(fixtureBundle())).toBe(true);
  });

  it("leaves Bluetooth on with keepBle, and says so when the switch does not take", async () => {
    const kept = await attach({ ble: true });
    await flashNode(options({ follow: false, keepBle: true }), recorder());
    expect(kept.bluetooth).toBe(true);
    expect(kept.lines.some((line) => line.includes("enableBLE"))).toBe(false);
    await kept.close();
    device = null;
    await attach({ ble: true, bleStuck: true });
    expect(await failure(flashNode(options({ follow: false }), recorder()))).toMatch(
      /^The node still has Bluetooth on after ESP32\.enableBLE\(false\) \(it answered "true"\); flash again with --keep-ble to leave it on\.$/,
    );
  });

  it("takes the line a node prints after publishing on MQTT as its first report", async () => {
    await attach({ reportVia: "mqtt" });
    const io = recorder();
    const result = await flashNode(options(), io);
    expect(result.report).toMatchObject({ zone: "Zone_A", spot: "place_1", via: "mqtt" });
    expect(result.report?.line).toMatch(/^MQTT parking\/Zone_A\/place_1 \{"status":"occupied"/);
    expect(io.deviceLines).toContainEqual(expect.stringMatching(/^MQTT parking\/Other\/x /));
  });

  it("sends a chunk garbled on the way again, and stores the bundle intact", async () => {
    const node = await attach({ garble: 1 });
    const io = recorder();
    const result = await flashNode(options({ follow: false }), io);
    expect(node.file(".bootcde")?.equals(fixtureBundle())).toBe(true);
    expect(result.retries).toBe(1);
    expect(io.steps).toContainEqual(expect.stringMatching(/^Uploaded in [\d.]+ s, 1 chunk sent again\.$/));
    // Nothing between the bar's first and last drawing: a terminal redraws it in place.
    expect(io.progressCalls.at(-1)).toEqual([fixtureBundle().length, fixtureBundle().length]);
  });

  it("gives up on a chunk garbled three times in a row, in one sentence", async () => {
    await attach({ garble: 1_000 });
    const message = await failure(flashNode(options(), recorder()));
    expect(message).toBe(
      'The node did not take bytes 0 to 511 of the bundle after 3 tries (the last: it answered "got 512"): the serial link garbles data; try another USB cable or port, then flash again.',
    );
  });

  it("says a device that goes quiet mid-upload stopped answering, and what may have happened", async () => {
    await attach({ answerLines: 30 });
    const message = await failure(
      flashNode(options({ timeouts: { resetSettleMs: 100, commandMs: 500, answerMs: 500 } }), recorder()),
    );
    expect(message).toMatch(
      new RegExp(
        `^The node on ${cable.host} stopped answering while uploading byte \\d+ of \\d+: it may have reset or crashed \\(\`parking monitor --port ${cable.host}\` shows what it prints\\), or the USB cable may be loose or faulty; flash again once it answers\\.$`,
      ),
    );
  });

  it("still works when the device is slow to answer", async () => {
    const node = await attach({ delayMs: 15 });
    await flashNode(options({ follow: false }), recorder());
    expect(node.file(".bootcde")?.equals(fixtureBundle())).toBe(true);
  });

  it("reports a failed verification in one sentence", async () => {
    await attach({ corruptWrite: true });
    const message = await failure(flashNode(options(), recorder()));
    expect(message).toMatch(
      /^Verification failed: the node holds \d+ bytes with CRC-32 [0-9a-f]{8} instead of \d+ bytes with CRC-32 [0-9a-f]{8}; flash again/,
    );
  });

  it("diagnoses a device that does not answer", async () => {
    await attach({ silent: true });
    const message = await failure(flashNode(options({ timeouts: { answerMs: 500 } }), recorder()));
    expect(message).toBe(
      `No answer from an Espruino REPL on ${cable.host}: is Espruino flashed on the ESP32, and is the baud rate 115200 (--baud)?`,
    );
  });

  it("diagnoses a node that restarts but never reports", async () => {
    await attach({ report: false });
    const message = await failure(
      flashNode(options({ timeouts: { resetSettleMs: 100, reportMs: 1_000 } }), recorder()),
    );
    expect(message).toBe(
      `The node restarted but sent no report within 1 s: check the wiring of the sensor and the Wi-Fi settings; \`parking monitor --port ${cable.host}\` shows its output.`,
    );
  });

  it("names a missing port", async () => {
    const missing = join(cable.dir, "ttyUSB9");
    const message = await failure(flashNode(options({ port: missing }), recorder()));
    expect(message).toBe(
      `Serial port ${missing} does not exist: plug the node in, or see \`parking flash --list\`.`,
    );
  });

  it("checks the options before touching the port", async () => {
    const zone = await failure(flashNode(options({ zone: "Zone A", port: "/nonexistent" }), recorder()));
    expect(zone).toMatch(/^--zone "Zone A" is not a valid id/);
    const reserved = await failure(flashNode(options({ zone: "summary" }), recorder()));
    expect(reserved).toMatch(/^--zone "summary" is reserved/);
    const port = await failure(flashNode(options({ mqttPort: "70000" }), recorder()));
    expect(port).toBe('--mqtt-port must be a whole number from 1 to 65535, got "70000".');
    const spot = await failure(flashNode(options({ spot: undefined }), recorder()));
    expect(spot).toMatch(/^--spot is required/);
  });

  it("says how to build a missing bundle", async () => {
    const message = await failure(flashNode(options({ bundle: join(cable.dir, "none.js") }), recorder()));
    expect(message).toMatch(/does not exist: run `npm run firmware:build` first/);
  });
});
