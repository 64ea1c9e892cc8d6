import { describe, expect, it } from "vitest";
import { type Observation, scoreRun } from "../src/score.js";
import type { TruthLine } from "../src/truth.js";

const T0 = 1_000_000;
const CYCLE = 2_000;

function truth(events: Array<[number, "arrival" | "departure", string]>, end: number): TruthLine[] {
  return [
    { type: "start", t: T0, cycle_ms: CYCLE, zones: [{ zone: "Z", spots: ["a", "b"] }], firmware_spots: [] },
    ...events.map(([t, type, spot]) => ({ type, t, zone: "Z", spot })),
    { type: "end", t: end },
  ];
}

function seen(list: Array<[number, string, string]>): Observation[] {
  return list.map(([t, spot, state]) => ({ t, zone: "Z", spot, state }));
}

describe("scoring a run against the truth", () => {
  it("is perfect when the gateway follows the truth at once", () => {
    const t = truth(
      [
        [T0, "arrival", "a"],
        [T0 + 50_000, "arrival", "b"],
        [T0 + 80_000, "departure", "a"],
      ],
      T0 + 100_000,
    );
    const o = seen([
      [T0 + 500, "a", "occupied"],
      [T0 + 500, "b", "free"],
      [T0 + 50_000, "b", "occupied"],
      [T0 + 80_000, "a", "free"],
    ]);
    const s = scoreRun(t, o);
    expect(s.agreement).toBe(1);
    expect(s.arrivals).toBe(1);
    expect(s.latencyMs.p95).toBe(0);
    expect(s.missed).toBe(0);
  });

  it("charges lag to agreement and latency", () => {
    const t = truth([[T0 + 10_000, "arrival", "a"]], T0 + 102_000);
    const o = seen([
      [T0 + 100, "a", "free"],
      [T0 + 100, "b", "free"],
      [T0 + 14_000, "a", "occupied"],
    ]);
    const s = scoreRun(t, o);
    // Window 2 s .. 102 s on two spots = 200 s of spot-time, 4 s of it wrong.
    expect(s.agreement).toBeCloseTo(196 / 200, 6);
    expect(s.latencyMs.p50).toBe(4_000);
    expect(s.latencyCycles.p95).toBe(2);
  });

  it("counts an arrival never shown before the car left as missed, ranked above every latency", () => {
    const t = truth(
      [
        [T0 + 10_000, "arrival", "a"],
        [T0 + 20_000, "departure", "a"],
        [T0 + 10_000, "arrival", "b"],
      ],
      T0 + 60_000,
    );
    const o = seen([
      [T0 + 100, "a", "free"],
      [T0 + 100, "b", "free"],
      [T0 + 30_000, "a", "occupied"],
      [T0 + 12_000, "b", "occupied"],
    ]);
    const s = scoreRun(t, o);
    expect(s.arrivals).toBe(2);
    expect(s.missed).toBe(1);
    expect(s.latencyMs.p95).toBe(Number.POSITIVE_INFINITY);
    expect(s.latencyMs.p50).toBe(2_000);
  });

  it("leaves out firmware spots, which run on the real clock", () => {
    const t = truth([], T0 + 10_000);
    (t[0] as TruthLine).firmware_spots = [{ zone: "Z", spot: "b" }];
    const s = scoreRun(t, seen([[T0, "a", "free"]]));
    expect(s.spots).toBe(1);
    expect(s.agreement).toBe(1);
  });
});
