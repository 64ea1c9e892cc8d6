import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cmToEchoUs,
  DEFAULT_ECHO_LIMITS,
  echoToCm,
  OUTLIER_CM,
  summarizePings,
} from "../../src/core/filter.js";

const LIMITS = DEFAULT_ECHO_LIMITS;

describe("echoToCm", () => {
  it("uses c = 331.3 + 0.606 T m/s over the round trip", () => {
    expect(echoToCm(1000, 20)).toBeCloseTo(17.171, 3); // c = 343.42 m/s
    expect(echoToCm(1000, 0)).toBeCloseTo(16.565, 3);
    expect(echoToCm(14560, 20)).toBeCloseTo(250, 0);
    expect(echoToCm(0, 20)).toBe(0);
  });

  it("gives no distance for input that has none", () => {
    expect(echoToCm(-1, 20)).toBeNull();
    expect(echoToCm(Number.NaN, 20)).toBeNull();
    expect(echoToCm(Number.POSITIVE_INFINITY, 20)).toBeNull();
    expect(echoToCm(1000, Number.NaN)).toBeNull();
  });

  it("is undone by cmToEchoUs, which the simulator uses", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 500, noNaN: true }),
        fc.double({ min: -20, max: 50, noNaN: true }),
        (cm, t) => {
          expect(echoToCm(cmToEchoUs(cm, t), t)).toBeCloseTo(cm, 6);
        },
      ),
    );
  });
});

describe("summarizePings", () => {
  it("takes the median of five clean echoes", () => {
    expect(summarizePings([121, 119, 120, 122, 118], LIMITS)).toEqual({
      distanceCm: 120,
      valid: 5,
      total: 5,
      spreadCm: 1,
    });
  });

  it("averages the middle two of an even count", () => {
    expect(summarizePings([120, null, 124, 118, 126], LIMITS)).toMatchObject({ distanceCm: 122, valid: 4 });
  });

  it("counts 2 and 400 cm as echoes and drops anything outside, null, NaN and infinities", () => {
    expect(summarizePings([2, 2, 2], LIMITS)).toMatchObject({ distanceCm: 2, valid: 3 });
    expect(summarizePings([400, 400, 400], LIMITS)).toMatchObject({ distanceCm: 400, valid: 3 });
    expect(summarizePings([1.99, 400.01, null, Number.NaN, Number.POSITIVE_INFINITY], LIMITS)).toEqual({
      distanceCm: null,
      valid: 0,
      total: 5,
      spreadCm: 0,
    });
  });

  it("reports no distance for no pings", () => {
    expect(summarizePings([], LIMITS)).toEqual({ distanceCm: null, valid: 0, total: 0, spreadCm: 0 });
  });

  it("drops a 450 cm spike as out of range", () => {
    expect(summarizePings([120, 450, 121, 119, 120], LIMITS)).toEqual({
      distanceCm: 120,
      valid: 4,
      total: 5,
      spreadCm: 0.5,
    });
  });

  it("rejects in-range spikes (399 cm, 3 cm near-field junk) farther than OUTLIER_CM from the median", () => {
    expect(summarizePings([120, 399, 121, 119, 120], LIMITS)).toMatchObject({ distanceCm: 120, valid: 4 });
    expect(summarizePings([250, 3, 251, 249, 250], LIMITS)).toMatchObject({ distanceCm: 250, valid: 4 });
  });

  it("keeps an echo exactly OUTLIER_CM from the median and rejects one just beyond", () => {
    expect(summarizePings([100, 100, 100 + OUTLIER_CM], LIMITS)).toMatchObject({ valid: 3 });
    expect(summarizePings([100, 100, 100 + OUTLIER_CM + 0.01], LIMITS)).toMatchObject({
      distanceCm: 100,
      valid: 2,
    });
  });

  it("follows the majority when echoes see two surfaces", () => {
    expect(summarizePings([120, 250, 121, 251, 120], LIMITS)).toMatchObject({ distanceCm: 120, valid: 3 });
  });

  it("gives no distance when two surfaces tie with nothing in between", () => {
    expect(summarizePings([120, 250, 120, 250, null], LIMITS)).toEqual({
      distanceCm: null,
      valid: 0,
      total: 5,
      spreadCm: 0,
    });
  });

  it("measures spread as the median absolute deviation of the counted echoes", () => {
    expect(summarizePings([110, 115, 120, 125, 130], LIMITS).spreadCm).toBe(5);
    expect(summarizePings([100, 110], LIMITS)).toMatchObject({ distanceCm: 105, spreadCm: 5 });
    expect(summarizePings([120], LIMITS)).toMatchObject({ distanceCm: 120, spreadCm: 0 });
  });

  it("honours the limits it is given", () => {
    expect(summarizePings([30, 31, 29], { minCm: 50, maxCm: 300 })).toMatchObject({
      distanceCm: null,
      valid: 0,
    });
  });

  it("keeps the distance within the genuine echoes whatever one spike is (the stated guarantee)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 100, max: 100 + OUTLIER_CM, noNaN: true }), { minLength: 2, maxLength: 8 }),
        fc.oneof(fc.constant(null), fc.double({ noNaN: false })),
        fc.nat(),
        (genuine, spike, at) => {
          const pings: Array<number | null> = genuine.slice();
          pings.splice(at % (pings.length + 1), 0, spike);
          const reading = summarizePings(pings, LIMITS);
          expect(reading.distanceCm).not.toBeNull();
          expect(reading.distanceCm).toBeGreaterThanOrEqual(Math.min(...genuine));
          expect(reading.distanceCm).toBeLessThanOrEqual(Math.max(...genuine));
          expect(reading.valid).toBeGreaterThanOrEqual(genuine.length);
        },
      ),
    );
  });
});
