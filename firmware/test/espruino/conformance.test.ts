import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { consoleLine } from "../../../protocol/src/console.js";
import { bundlePath } from "../../../testkit/espruino.js";
import { EspruinoSandbox } from "../../sandbox/espruinoSandbox.js";
import { type Broker, espruinoRig } from "./broker.js";

/**
 * The simulator runs many firmware nodes in the node:vm sandbox; the real interpreter is the
 * reference. The same scenario runs on both, and what the broker receives and what the console
 * shows must be the same, but for the clock and the port.
 */

const FLOOR_CM = 250;
const CAR_CM = 120;

interface Run {
  /** The spot's MQTT traffic in order, payloads without what depends on the clock. */
  traffic: string[];
  /** The node's console lines (as a terminal shows them), without the clock and the port. */
  lines: string[];
  /** The console's bytes around the first report published. */
  rawReport: string;
  /** parking.json as Storage holds it after the good config. */
  stored: string;
}

/** What differs between two runs for reasons other than the firmware and its platform. */
function timeless(text: string): string {
  return text
    .replace(/"ts":\d+(\.\d+)?,/g, "")
    .replace(/"uptime_s":\d+/g, '"uptime_s":_')
    .replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:_")
    .replace(/parking\/C\/(real|box)\b/g, "parking/C/_")
    .replace(/spot:"(real|box)"/g, 'spot:"_"')
    .replace(/port:\d+/g, "port:_");
}

/** Lines the firmware printed: not the banner, the stub's, or the console's echo. */
function firmwareLines(lines: string[]): string[] {
  const start = lines.findIndex((l) => /^No (wifi\.ssid|Wifi module)|^MQTT/.test(l));
  return lines
    .slice(Math.max(start, 0))
    .filter((l) => !l.startsWith("HOST ") && !l.startsWith("=") && !l.startsWith("print("))
    .map(timeless);
}

const rig = espruinoRig();
let broker: Broker;

beforeAll(() => {
  broker = rig.broker();
});

function settings(spot: string): Record<string, unknown> {
  return {
    zone: "C",
    spot,
    mqtt: { host: "127.0.0.1", port: broker.mosquitto.port },
    interval_s: 1,
    heartbeat_s: 60,
    cycles_to_change: 2,
  };
}

/**
 * The scenario: boot over an empty spot, a car arrives, a good config, a bad one. `drive`
 * gives each platform's way to move the car and to read its console.
 */
async function scenario(
  spot: string,
  drive: { park(cm: number): void; lines(): string[]; raw(): string; stored(): Promise<string> },
): Promise<Run> {
  const topic = `parking/C/${spot}`;
  const mine = (): string[] =>
    broker.seen.filter((m) => m.topic.startsWith(topic)).map((m) => `${m.topic} ${timeless(m.payload)}`);
  const seen = (re: RegExp): boolean => drive.lines().some((l) => re.test(l));
  await broker.waitFor("the boot report", () => mine().some((m) => m.includes('"reason":"boot"')));
  drive.park(CAR_CM);
  await broker.waitFor("the change", () => mine().some((m) => m.includes('"reason":"change"')), 15_000);
  await broker.publish(`${topic}/config`, JSON.stringify({ threshold_cm: 150, heartbeat_s: 45 }));
  await broker.waitFor("config applied", () => seen(/^Config applied and saved/));
  const stored = timeless(await drive.stored());
  await broker.publish(`${topic}/config`, JSON.stringify({ pings: 99 }));
  await broker.waitFor("config refused", () => seen(/^Config refused/));
  const raw = drive.raw();
  const at = raw.indexOf(`MQTT ${topic} `);
  return {
    traffic: mine().filter((m) => !m.includes("/config ")),
    lines: firmwareLines(drive.lines()),
    rawReport: at < 0 ? "" : raw.slice(Math.max(0, at - 6), at + 5),
    stored,
  };
}

async function onInterpreter(spot: string): Promise<Run> {
  const node = await rig.node({ settings: settings(spot), echo: FLOOR_CM });
  return scenario(spot, {
    park: (cm) => node.setEcho(cm),
    lines: () => node.lines,
    raw: () => node.raw(),
    stored: async () => {
      const from = node.lines.length;
      node.type('print(require("Storage").read("parking.json"))');
      return node.waitForLine(/^\{.*threshold_cm:150/, 5_000, from);
    },
  });
}

async function inSandbox(spot: string): Promise<Run> {
  const distance = { cm: FLOOR_CM };
  const box = new EspruinoSandbox({
    storage: {
      ".bootcde": readFileSync(bundlePath("min"), "latin1"),
      "parking.json": JSON.stringify(settings(spot)),
    },
    hcsr04: { trigger: "D5", echo: "D18", distanceCm: () => distance.cm },
    // The interpreter's stub is a Wifi module too, so both print the same first line.
    wifi: {},
  });
  box.boot();
  try {
    return await scenario(spot, {
      park: (cm) => {
        distance.cm = cm;
      },
      lines: () => box.consoleLines().map((l) => consoleLine(l)),
      raw: () => box.consoleBytes(),
      stored: async () => box.storageFile("parking.json") ?? "",
    });
  } finally {
    box.stop();
  }
}

describe("the sandbox behaves as the interpreter", () => {
  it("publishes the same messages and prints the same lines for boot, a car, a good and a bad config", async () => {
    const real = await onInterpreter("real");
    const box = await inSandbox("box");
    expect(real.traffic.length).toBeGreaterThanOrEqual(3);
    expect(box.traffic.map(timeless)).toEqual(real.traffic.map(timeless));
    expect(box.lines.filter((l) => !l.startsWith("{"))).toEqual(real.lines.filter((l) => !l.startsWith("{")));
    // writeJSON's own format: keys without quotes.
    expect(real.stored).toMatch(/^\{zone:"C",spot:"_",|^\{wifi:/);
    expect(box.stored).toBe(real.stored);
    // Both print a report behind the erased prompt.
    expect(real.rawReport).toContain(">\r\x1B[J");
    expect(box.rawReport).toBe(real.rawReport);
  }, 60_000);
});
