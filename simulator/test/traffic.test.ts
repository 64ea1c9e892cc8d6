import { describe, expect, it } from "vitest";
import { Random } from "../src/random.js";
import { TrafficModel } from "../src/traffic.js";

const HOUR = 3_600_000;

function run(seed: number, hours: number) {
  const model = new TrafficModel(
    { spots: 200, targetOccupancy: 0.6, medianDwellMs: HOUR, dwellSigma: 0.8 },
    new Random(seed),
    0,
  );
  const events = [];
  const occupancy: number[] = [];
  for (let t = 0; t <= hours * HOUR; t += 60_000) {
    events.push(...model.advance(t));
    occupancy.push(model.occupied.filter(Boolean).length / 200);
  }
  return { model, events, occupancy };
}

describe("TrafficModel", () => {
  it("is reproducible: same seed, same arrivals and departures", () => {
    expect(run(42, 6).events).toEqual(run(42, 6).events);
    expect(run(42, 6).events).not.toEqual(run(43, 6).events);
  });

  it("settles around the target occupancy", () => {
    const { occupancy } = run(7, 48);
    const late = occupancy.slice(occupancy.length / 2);
    const mean = late.reduce((a, b) => a + b, 0) / late.length;
    expect(mean).toBeGreaterThan(0.5);
    expect(mean).toBeLessThan(0.7);
  });

  it("never parks two cars in one spot, and turns cars away when full", () => {
    const model = new TrafficModel(
      { spots: 3, targetOccupancy: 3, medianDwellMs: HOUR, dwellSigma: 0.5 },
      new Random(1),
      0,
    );
    const occupied = new Set<number>();
    for (const [i, taken] of model.occupied.entries()) if (taken) occupied.add(i);
    for (const event of model.advance(10 * HOUR)) {
      if (event.kind === "arrival") {
        expect(occupied.has(event.spot)).toBe(false);
        occupied.add(event.spot);
      } else {
        expect(occupied.has(event.spot)).toBe(true);
        occupied.delete(event.spot);
      }
    }
    expect(model.turnedAway).toBeGreaterThan(0);
  });
});
