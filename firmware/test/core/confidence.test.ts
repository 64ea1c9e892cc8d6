import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { confidence, DEFAULT_CONFIDENCE_PARAMS, hasEnoughEchoes } from "../../src/core/confidence.js";
import type { Reading } from "../../src/core/filter.js";

const P = DEFAULT_CONFIDENCE_PARAMS;
const THRESHOLD = 205;

function reading(distanceCm: number | null, valid: number, spreadCm: number, total = 5): Reading {
  return { distanceCm, valid, total, spreadCm };
}

describe("confidence", () => {
  it.each([
    ["5/5 echoes, spread 1 cm, car at 120", reading(120, 5, 1), 1 / 1.04],
    ["4/5 echoes, spread 2 cm, car at 118", reading(118, 4, 2), 0.8 / 1.16],
    ["3/5 echoes, spread 0, floor at 250", reading(250, 3, 0), 0.6],
    ["5/5 echoes, spread 5 cm (the tolerance)", reading(120, 5, 5), 0.5],
    ["5/5 echoes, spread 1 cm, 10 cm under the threshold", reading(195, 5, 1), 1 / 1.04 / 3],
    ["a distance on the threshold", reading(205, 5, 0), 0],
    ["2/5 echoes, below the valid share", reading(120, 2, 0), 0],
    ["no distance", reading(null, 0, 0), 0],
    ["no pings", reading(120, 0, 0, 0), 0],
  ])("matches the documented worked number for %s", (_name, r, expected) => {
    expect(confidence(r, THRESHOLD, P)).toBeCloseTo(expected, 10);
  });

  it("reaches full margin exactly marginCm from the threshold, on either side", () => {
    expect(confidence(reading(THRESHOLD - P.marginCm, 5, 0), THRESHOLD, P)).toBe(1);
    expect(confidence(reading(THRESHOLD + P.marginCm, 5, 0), THRESHOLD, P)).toBe(1);
    expect(confidence(reading(THRESHOLD - P.marginCm / 2, 5, 0), THRESHOLD, P)).toBe(0.5);
  });

  it("accepts exactly minValidShare of the pings and nothing less", () => {
    expect(confidence(reading(120, 1, 0, 2), THRESHOLD, P)).toBe(0.5);
    expect(confidence(reading(120, 2, 0, 5), THRESHOLD, P)).toBe(0);
    expect(hasEnoughEchoes(reading(120, 3, 0, 6), 0.5)).toBe(true);
    expect(hasEnoughEchoes(reading(120, 2, 0, 6), 0.5)).toBe(false);
  });

  it("stays in [0, 1], and is 0 for an unknown reading, whatever it is given", () => {
    const anyNumber = fc.oneof(fc.double(), fc.integer({ min: -10, max: 10 }));
    fc.assert(
      fc.property(
        fc.option(anyNumber, { nil: null }),
        anyNumber,
        anyNumber,
        anyNumber,
        anyNumber,
        fc.record({ minValidShare: anyNumber, spreadToleranceCm: anyNumber, marginCm: anyNumber }),
        (distanceCm, valid, total, spreadCm, threshold, params) => {
          const r = { distanceCm, valid, total, spreadCm };
          const c = confidence(r, threshold, params);
          expect(c).toBeGreaterThanOrEqual(0);
          expect(c).toBeLessThanOrEqual(1);
          if (!hasEnoughEchoes(r, params.minValidShare)) expect(c).toBe(0);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("never rises when an echo is lost, the spread grows or the distance nears the threshold", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 5 }),
        fc.double({ min: 0, max: 20, noNaN: true }),
        fc.double({ min: 2, max: 400, noNaN: true }),
        (valid, spread, distance) => {
          const base = confidence(reading(distance, valid, spread), THRESHOLD, P);
          expect(confidence(reading(distance, valid - 1, spread), THRESHOLD, P)).toBeLessThanOrEqual(base);
          expect(confidence(reading(distance, valid, spread + 1), THRESHOLD, P)).toBeLessThanOrEqual(base);
          const nearer = distance + (THRESHOLD - distance) / 2;
          expect(confidence(reading(nearer, valid, spread), THRESHOLD, P)).toBeLessThanOrEqual(base + 1e-12);
        },
      ),
    );
  });
});
