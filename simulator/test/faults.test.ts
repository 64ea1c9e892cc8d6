import { describe, expect, it } from "vitest";
import { DeliveryFaults, type FaultCounts, NO_FAULTS, parseFaults } from "../src/faults.js";
import { Random } from "../src/random.js";
import type { NodeUplink } from "../src/sensorNode.js";

function counts(): FaultCounts {
  return { ...NO_FAULTS };
}

function recorder(): NodeUplink & { sent: Array<string | Buffer> } {
  const sent: Array<string | Buffer> = [];
  return {
    sent,
    connected: () => true,
    publish: (_t, p) => sent.push(p),
    print: (l) => sent.push(l),
    rssi: () => -60,
  };
}

describe("--faults", () => {
  it("parses rates by name, and none", () => {
    expect(parseFaults("none")).toEqual(NO_FAULTS);
    expect(parseFaults("dropout=0.5, duplicate=0.01,skew=0.1")).toEqual({
      ...NO_FAULTS,
      dropout: 0.5,
      duplicate: 0.01,
      skew: 0.1,
    });
  });

  it.each(["gremlins=1", "dropout", "dropout=", "dropout=x", "duplicate=1.5", "stuck=-1", "dropout=1=2"])(
    "%s is one sentence naming --faults",
    (spec) => {
      const result = parseFaults(spec);
      expect(typeof result).toBe("string");
      expect(result).toMatch(/^--faults: .*\.$/);
    },
  );
});

describe("DeliveryFaults", () => {
  it("passes reports through untouched when no delivery fault is on", () => {
    const inner = recorder();
    const uplink = new DeliveryFaults(NO_FAULTS, new Random(1), counts()).wrap(inner);
    expect(uplink).toBe(inner);
  });

  it("duplicates about the asked share of reports and counts them", () => {
    const inner = recorder();
    const c = counts();
    const uplink = new DeliveryFaults({ ...NO_FAULTS, duplicate: 0.2 }, new Random(2), c).wrap(inner);
    for (let i = 0; i < 5000; i++) uplink.publish("t", `r${i}`);
    expect(inner.sent.length).toBe(5000 + c.duplicate);
    expect(c.duplicate / 5000).toBeGreaterThan(0.17);
    expect(c.duplicate / 5000).toBeLessThan(0.23);
  });

  it("delivers a held report right after the node's next one", () => {
    const inner = recorder();
    const c = counts();
    const uplink = new DeliveryFaults({ ...NO_FAULTS, reorder: 0.3 }, new Random(3), c).wrap(inner);
    for (let i = 0; i < 1000; i++) uplink.publish("t", String(i));
    const order = inner.sent.map(Number);
    expect(c.reorder).toBeGreaterThan(200);
    let swaps = 0;
    for (let i = 1; i < order.length; i++) if ((order[i] as number) < (order[i - 1] as number)) swaps += 1;
    expect(swaps).toBe(c.reorder - (order.length < 1000 ? 1 : 0));
    // Nothing is lost but a report still held at the end.
    expect(new Set(order).size).toBeGreaterThanOrEqual(999);
  });

  it("replaces the asked share by payloads that are not valid reports", () => {
    const inner = recorder();
    const c = counts();
    const uplink = new DeliveryFaults({ ...NO_FAULTS, malformed: 0.1 }, new Random(4), c).wrap(inner);
    for (let i = 0; i < 2000; i++) uplink.publish("t", '{"status":"free","confidence":0.9}');
    const bad = inner.sent.filter((p) => p !== '{"status":"free","confidence":0.9}');
    expect(bad.length).toBe(c.malformed);
    expect(c.malformed).toBeGreaterThan(150);
  });
});
