import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CALIBRATION_OFFSET_CM, calibrationThreshold } from "../../src/core/calibration.js";
import { readSettings } from "../../src/core/settings.js";

function steady(floorCm: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(floorCm + ((i % 5) - 2) * 0.5);
  return out;
}

describe("calibrationThreshold", () => {
  it("takes the node's Float32Array of pings, NaN for a missed echo, and sorts it in place", () => {
    const pings = new Float32Array(150).fill(250.3);
    for (let i = 0; i < 150; i += 10) pings[i] = Number.NaN;
    pings[1] = 251.5;
    expect(calibrationThreshold(pings)).toEqual({ thresholdCm: 205, floorCm: 250.3 });
    // In place: the array now holds the deviations from the floor, sorted.
    expect(pings[0]).toBeCloseTo(0, 4);
  });

  it("puts the threshold 45 cm above the floor", () => {
    expect(calibrationThreshold(steady(250, 30))).toEqual({ thresholdCm: 205, floorCm: 250 });
    expect(CALIBRATION_OFFSET_CM).toBe(45);
  });

  it("rounds the threshold to whole and the floor to tenth centimetres", () => {
    expect(calibrationThreshold(steady(312.34, 30))).toEqual({ thresholdCm: 267, floorCm: 312.3 });
  });

  it("ignores a few spikes and missed echoes", () => {
    const readings: Array<number | null> = steady(250, 30);
    readings[3] = 450;
    readings[9] = 3;
    readings[17] = null;
    expect(calibrationThreshold(readings)).toEqual({ thresholdCm: 205, floorCm: 250 });
  });

  it("needs 10 valid readings, and 80 % of them", () => {
    expect(calibrationThreshold(steady(250, 10))).toMatchObject({ thresholdCm: 205 });
    expect(calibrationThreshold(steady(250, 9))).toEqual({
      error:
        "Only 9 of 9 readings of the empty spot were valid echoes (need 10 and 80 %); check the wiring and that the sensor points straight at the floor, then calibrate again.",
    });
    const eightyPercent: Array<number | null> = [...steady(250, 16), null, null, null, null];
    expect(calibrationThreshold(eightyPercent)).toMatchObject({ thresholdCm: 205 });
    expect(calibrationThreshold(eightyPercent.concat([null]))).toHaveProperty("error");
    expect(calibrationThreshold([])).toHaveProperty("error");
  });

  it("refuses readings that vary more than ±5 cm", () => {
    const wobbly = [240, 250, 260, 240, 250, 260, 240, 250, 260, 250];
    expect(calibrationThreshold(wobbly)).toEqual({
      error:
        "The empty-spot readings vary by ±10 cm (at most ±5); make sure the spot is empty and nothing moves under the sensor, then calibrate again.",
    });
    const justSteady = [245, 250, 255, 245, 250, 255, 245, 250, 255, 250];
    expect(calibrationThreshold(justSteady)).toMatchObject({ thresholdCm: 205 });
  });

  it("refuses a floor nearer than 1 m", () => {
    expect(calibrationThreshold(steady(100, 20))).toMatchObject({ thresholdCm: 55 });
    expect(calibrationThreshold(steady(99, 20))).toEqual({
      error:
        "The floor reads 99 cm away, nearer than 100; mount the sensor at least 1 m above the empty spot, or clear what is under it, then calibrate again.",
    });
  });

  it("always gives a threshold that settings accept, or a sentence", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double(), fc.constant(null)), { maxLength: 60 }),
        fc.double({ min: 100, max: 400, noNaN: true }),
        (junk, floor) => {
          for (const readings of [junk, steady(floor, 30)]) {
            const result = calibrationThreshold(readings);
            if ("error" in result) {
              expect(result.error).toMatch(/^[A-Z].*\.$/);
            } else {
              expect(readSettings({ threshold_cm: result.thresholdCm }).errors).toEqual([]);
              expect(result.thresholdCm).toBe(Math.round(result.floorCm - 45));
            }
          }
        },
      ),
    );
  });
});
