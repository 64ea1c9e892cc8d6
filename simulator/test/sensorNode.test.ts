import { describe, expect, it } from "vitest";
import { AIR_C, classifierSettings, DEFAULT_SETTINGS, PING_GAP_MS } from "../../firmware/src/core/index.js";
import { decode } from "../../protocol/src/decode.js";
import { airTemperatureC, DEFAULT_NOISE, SpotSensor } from "../src/physics.js";
import { Random } from "../src/random.js";
import { type NodeUplink, SensorNode } from "../src/sensorNode.js";

const CYCLE_MS = DEFAULT_SETTINGS.intervalS * 1000 + DEFAULT_SETTINGS.pings * PING_GAP_MS;

function rig(seed: number, options: { connected?: boolean; heartbeatMs?: number } = {}) {
  const random = new Random(seed);
  const sensor = new SpotSensor(random);
  const published: Array<{ topic: string; payload: string }> = [];
  const printed: string[] = [];
  let now = Date.UTC(2026, 10, 24, 8);
  const uplink: NodeUplink = {
    connected: () => options.connected ?? true,
    publish: (topic, payload) => published.push({ topic, payload: String(payload) }),
    print: (line) => printed.push(line),
    rssi: () => -61,
  };
  const node = new SensorNode("Zone_A", "place_1", sensor, uplink, () => now, {
    topicRoot: "parking",
    classifier: classifierSettings(DEFAULT_SETTINGS),
    pings: DEFAULT_SETTINGS.pings,
    heartbeatMs: options.heartbeatMs ?? 30_000,
  });
  node.boot();
  const cycles = (n: number): void => {
    for (let i = 0; i < n; i++) {
      now += CYCLE_MS;
      node.cycle(AIR_C);
    }
  };
  return { sensor, node, published, printed, cycles, now: () => now };
}

describe("sensor physics", () => {
  it("puts the floor about 250 cm down and vehicles well below the firmware's threshold", () => {
    const random = new Random(7);
    for (let i = 0; i < 200; i++) {
      const s = new SpotSensor(random);
      expect(s.floorCm).toBeGreaterThan(245);
      expect(s.floorCm).toBeLessThan(255);
      for (const vehicle of ["car", "suv", "van", "low"] as const) {
        s.park(vehicle);
        expect(s.trueDistanceCm()).toBeLessThan(DEFAULT_SETTINGS.thresholdCm - DEFAULT_SETTINGS.hysteresisCm);
        expect(s.trueDistanceCm()).toBeGreaterThan(2);
      }
      s.park(null);
      expect(s.occupied).toBe(false);
    }
  });

  it("misses echoes and throws spikes at about the default rates", () => {
    const s = new SpotSensor(new Random(8));
    let missed = 0;
    let spikes = 0;
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      const cm = s.ping(AIR_C);
      if (cm === null) missed += 1;
      else if (Math.abs(cm - s.floorCm) > 10) spikes += 1;
    }
    expect(missed / n).toBeGreaterThan(DEFAULT_NOISE.missFloor * 0.7);
    expect(missed / n).toBeLessThan(DEFAULT_NOISE.missFloor * 1.3);
    expect(spikes / n).toBeGreaterThan(DEFAULT_NOISE.spike * 0.7);
    expect(spikes / n).toBeLessThan(DEFAULT_NOISE.spike * 1.3);
  });

  it("reads long on a cold day and short on a hot one, as a node assuming 20 °C does", () => {
    const s = new SpotSensor(new Random(9), { sigmaCm: 0, missFloor: 0, missVehicle: 0, spike: 0 });
    const cold = s.ping(0) as number;
    const hot = s.ping(40) as number;
    expect(cold / s.floorCm).toBeCloseTo(343.42 / 331.3, 3);
    expect(hot).toBeLessThan(s.floorCm);
    expect(s.ping(AIR_C)).toBeCloseTo(s.floorCm, 6);
  });

  it("has a daily temperature cycle, coolest before dawn", () => {
    const day = (h: number): number => airTemperatureC(new Date(2026, 10, 24, h).getTime());
    expect(day(15)).toBeGreaterThan(day(3) + 10);
  });
});

describe("a synthetic node runs the firmware's decisions", () => {
  it("reports boot first, with seq from 0, then heartbeats; every report passes the contract", () => {
    const r = rig(1);
    r.cycles(1);
    r.cycles(Math.ceil(65_000 / CYCLE_MS));
    const reasons = r.published.map((p) => JSON.parse(p.payload).reason);
    expect(reasons[0]).toBe("boot");
    expect(reasons.slice(1)).toEqual(["heartbeat", "heartbeat"]);
    const seqs = r.published.map((p) => JSON.parse(p.payload).seq);
    expect(seqs).toEqual([0, 1, 2]);
    for (const p of r.published) {
      expect(p.topic).toBe("parking/Zone_A/place_1");
      const d = decode("parking", p.topic, Buffer.from(p.payload));
      expect(d.kind).toBe("report");
    }
  });

  it("never flips an empty spot under default noise over a simulated day", () => {
    const r = rig(2);
    r.cycles(Math.ceil(86_400_000 / CYCLE_MS));
    const changes = r.published.filter((p) => JSON.parse(p.payload).reason === "change");
    expect(changes).toEqual([]);
    expect(r.node.status).toBe("free");
  });

  it("sees a car arrive within two cycles and leave within two", () => {
    const r = rig(3);
    r.cycles(3);
    expect(r.node.status).toBe("free");
    r.sensor.park("suv");
    r.cycles(2);
    expect(r.node.status).toBe("occupied");
    const last = JSON.parse(r.published.at(-1)?.payload ?? "{}");
    expect(last).toMatchObject({ status: "occupied", reason: "change" });
    expect(last.confidence).toBeGreaterThan(0.5);
    expect(last.ts).toBe(r.now());
    r.sensor.park(null);
    r.cycles(2);
    expect(r.node.status).toBe("free");
  });

  it("prints JSON lines naming its spot when it has no broker, as the firmware's serial fallback", () => {
    const r = rig(4, { connected: false });
    r.cycles(1);
    expect(r.published).toEqual([]);
    expect(JSON.parse(r.printed[0] ?? "{}")).toMatchObject({
      zone: "Zone_A",
      spot: "place_1",
      reason: "boot",
    });
  });

  it("a stuck sensor keeps reporting what it read, whatever is below", () => {
    const r = rig(5);
    r.cycles(2);
    r.sensor.stuckAtCm = r.sensor.floorCm;
    r.sensor.park("car");
    r.cycles(10);
    expect(r.node.status).toBe("free");
  });

  it("reboots with a fresh counter after a dropout", () => {
    const r = rig(6);
    r.cycles(20);
    r.node.powered = false;
    r.cycles(5);
    const before = r.published.length;
    r.node.boot();
    r.cycles(1);
    expect(r.published.length).toBe(before + 1);
    expect(JSON.parse(r.published.at(-1)?.payload ?? "{}")).toMatchObject({ reason: "boot", seq: 0 });
  });
});
