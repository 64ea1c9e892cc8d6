import { beforeAll, describe, expect, it } from "vitest";
import { decode } from "../../../protocol/src/decode.js";
import { decodeSerialLine } from "../../../protocol/src/serial.js";
import { type Broker, espruinoRig, spotSettings } from "./broker.js";

/**
 * The firmware bundles on the real Espruino interpreter (LINUX host build), against a real
 * Mosquitto: what the node prints and publishes, driven through the stubbed echo pin and Wi-Fi.
 */

const rig = espruinoRig();
const node = rig.node;
let broker: Broker;
let spots = 0;

beforeAll(() => {
  broker = rig.broker();
});

/** A spot of its own per test, so retained messages of one never meet another. */
function newSpot(extra: Record<string, unknown> = {}): { spot: string; settings: Record<string, unknown> } {
  spots += 1;
  const spot = `s${spots}`;
  return { spot, settings: spotSettings(broker, spot, extra) };
}

/** The spot's reports on MQTT so far, decoded by the gateway's own decoder. */
function reports(spot: string): Array<Record<string, unknown>> {
  return broker.on(`parking/A/${spot}`).map((m) => {
    const decoded = decode("parking", `parking/A/${spot}`, m.payload);
    if (decoded.kind !== "report") throw new Error(`not a report: ${m.payload}`);
    return JSON.parse(m.payload) as Record<string, unknown>;
  });
}

function availability(spot: string): string[] {
  return broker.on(`parking/A/${spot}/availability`).map((m) => m.payload);
}

describe.each(["min", "readable"] as const)("the %s bundle on the real interpreter", (bundle) => {
  it("boots: online, then a boot report with whole-millisecond ts and the rssi of Wifi.getStatus", async () => {
    const { spot, settings } = newSpot();
    const n = await node({ bundle, settings, echo: 250 });
    await broker.waitFor("the boot report", () => reports(spot).length > 0);
    expect(availability(spot)[0]).toBe("online");
    const boot = reports(spot)[0] ?? {};
    expect(boot).toMatchObject({ status: "free", reason: "boot", seq: 0, fw: "0.1.0", rssi: -61 });
    expect(boot.distance_cm).toBeCloseTo(250, 0);
    expect(Number.isInteger(boot.ts)).toBe(true);
    // The console says the node is up although its reports go to the broker.
    await n.waitForLine(new RegExp(`^MQTT parking/A/${spot} \\{"status":"free"`));
  });

  it("follows the echo: free, occupied, free again, each after cycles_to_change cycles", async () => {
    const { spot, settings } = newSpot({ cycles_to_change: 2 });
    const n = await node({ bundle, settings, echo: 250 });
    await broker.waitFor("the boot report", () => reports(spot).length > 0);
    n.setEcho(120);
    await broker.waitFor("occupied", () => reports(spot).some((r) => r.status === "occupied"), 15_000);
    const occupied = reports(spot).find((r) => r.status === "occupied") ?? {};
    expect(occupied).toMatchObject({ reason: "change" });
    expect(occupied.distance_cm).toBeCloseTo(120, 0);
    n.setEcho(250);
    await broker.waitFor(
      "free again",
      () => reports(spot).filter((r) => r.reason === "change").length === 2,
      15_000,
    );
    const seqs = reports(spot).map((r) => r.seq as number);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it("sends a heartbeat after heartbeat_s without a change, and the will when killed", async () => {
    const { spot, settings } = newSpot({ heartbeat_s: 5 });
    const n = await node({ bundle, settings, echo: 250 });
    await broker.waitFor("a heartbeat", () => reports(spot).some((r) => r.reason === "heartbeat"), 15_000);
    await n.kill();
    await broker.waitFor("the will", () => availability(spot).at(-1) === "offline");
  });

  it("applies and saves a config message, and refuses a bad one in one line", async () => {
    const { spot, settings } = newSpot();
    const n = await node({ bundle, settings, echo: 250 });
    await broker.waitFor("the boot report", () => reports(spot).length > 0);
    await broker.publish(`parking/A/${spot}/config`, JSON.stringify({ threshold_cm: 150, heartbeat_s: 60 }));
    await n.waitForLine(/^Config applied and saved/);
    const from = n.lines.length;
    n.type('print("T="+require("Storage").readJSON("parking.json").threshold_cm)');
    await n.waitForLine(/^T=150$/, 5_000, from);
    await broker.publish(`parking/A/${spot}/config`, JSON.stringify({ threshold_cm: "high", pings: 99 }));
    const refused = await n.waitForLine(/^Config refused, nothing changed: /);
    expect(refused).toContain("threshold_cm");
    expect(refused).toContain("pings");
    const after = n.lines.length;
    n.type('print("T="+require("Storage").readJSON("parking.json").threshold_cm)');
    await n.waitForLine(/^T=150$/, 5_000, after);
  });

  it("calibrates on a config message and clears the retained request", async () => {
    const { spot, settings } = newSpot({ threshold_cm: 100 });
    const n = await node({ bundle, settings, echo: 251.3 });
    await broker.waitFor("the boot report", () => reports(spot).length > 0);
    await broker.publish(`parking/A/${spot}/config`, JSON.stringify({ calibrate: true }));
    const done = await n.waitForLine(/^Calibrated: /, 30_000);
    expect(done).toMatch(/^Calibrated: floor 251\.\d cm, threshold_cm 206, saved\.$/);
    const republished = broker.on(`parking/A/${spot}/config`).at(-1);
    expect(JSON.parse(republished?.payload ?? "null")).toEqual({});
    await broker.waitFor("a report with the new threshold", () =>
      reports(spot).some((r) => r.threshold_cm === 206),
    );
  }, 45_000);
});

describe("the minified bundle, other paths", () => {
  it("battery mode: one report, a clean DISCONNECT (no will), then ESP32.deepSleep for interval_s", async () => {
    const { spot, settings } = newSpot({ battery_mode: true, interval_s: 60 });
    const n = await node({ settings, echo: 250 });
    const slept = await n.waitForLine(/^HOST deepSleep /, 20_000);
    expect(slept).toBe("HOST deepSleep 60000000");
    expect(reports(spot)).toHaveLength(1);
    expect(reports(spot)[0]).toMatchObject({ reason: "boot", status: "free" });
    expect(reports(spot)[0]).not.toHaveProperty("seq");
    // Mosquitto publishes a will at once when a client goes without DISCONNECT.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(availability(spot)).toEqual(["online"]);
  });

  it("reconnects after the broker restarts, says online again and publishes its state", async () => {
    const { spot, settings } = newSpot();
    const n = await node({ settings, echo: 250 });
    await broker.waitFor("the boot report", () => reports(spot).length > 0);
    await broker.restart(500);
    await n.waitForLine(/^MQTT: connection closed \(127\.0\.0\.1:\d+\)\.$/);
    await n.waitForLine(
      /^MQTT: connected to /,
      20_000,
      n.lines.findIndex((l) => l.startsWith("MQTT: connection closed")),
    );
    // The subscriber gets the retained messages again after the restart: look for new ones.
    await broker.waitFor("the state after the reconnect", () =>
      reports(spot).some((r) => r.reason === "heartbeat" && r.status === "free" && r.seq === 1),
    );
    expect(availability(spot).filter((a) => a === "online").length).toBeGreaterThanOrEqual(2);
  }, 40_000);

  it("without a broker prints JSON lines behind Espruino's prompt, which the normaliser recovers", async () => {
    const n = await node({ settings: { zone: "B", spot: "7", interval_s: 1 }, echo: 120 });
    const line = await n.waitForLine(/^\{"zone":"B","spot":"7"/);
    const decoded = decodeSerialLine("parking", line);
    expect(decoded).toMatchObject({ kind: "report", zone: "B", spot: "7" });
    // On the wire the prompt is erased and redrawn around each line.
    expect(n.raw()).toContain('>\r\x1B[J{"zone":"B","spot":"7"');
  });

  it("without zone or spot says what to set and publishes nothing", async () => {
    const n = await node({ settings: { mqtt: { host: "127.0.0.1", port: broker.mosquitto.port } } });
    await n.waitForLine(/^parking\.json has no zone or spot: /);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(broker.seen.filter((m) => m.topic.startsWith("parking/A/1"))).toEqual([]);
    expect(n.lines.some((l) => l.startsWith("{"))).toBe(false);
  });

  it("keeps measuring when the trigger pulse throws, and says so once", async () => {
    const { spot, settings } = newSpot({ cycles_to_change: 1 });
    const n = await node({ settings, echo: "throw" });
    await n.waitForLine(/^Ranger: the trigger pulse failed \(pulse failed\); measuring goes on\.$/);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(n.lines.filter((l) => l.startsWith("Ranger: the trigger pulse failed"))).toHaveLength(1);
    n.setEcho(120);
    await n.waitForLine(/^Ranger: trigger pulses work again\.$/);
    await broker.waitFor("occupied", () => reports(spot).some((r) => r.status === "occupied"));
  });

  it("names the reason of a failed Wi-Fi join, retries, and connects once the join works", async () => {
    const { spot, settings } = newSpot({ wifi: { ssid: "lot", password: "password1" } });
    const n = await node({ settings, echo: 250, wifi: "fail auth_fail" });
    await n.waitForLine(/^Wi-Fi join failed: auth_fail; joining again in 1 s\.$/);
    n.setWifi("ok");
    await broker.waitFor("the boot report", () => reports(spot).length > 0, 15_000);
    expect(n.lines.some((l) => l.startsWith("Wi-Fi disconnected"))).toBe(false);
  });
});
