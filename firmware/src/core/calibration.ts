import { DEFAULT_ECHO_LIMITS } from "./filter.js";
import { medianInPlace } from "./stats.js";

/**
 * Threshold = floor − 45 cm. A car body seen from above (roof, bonnet or boot of a low car)
 * rises at least 90 cm above the floor, so under a 250 cm ceiling a car reads 90-160 cm and
 * never more than floor − 90. Halfway between, floor − 45, leaves 35 cm on each side of the
 * default ±10 cm hysteresis band: to floor noise and to the lowest car. A fixed offset rather
 * than a share of the floor distance, because car heights do not scale with the ceiling.
 */
export const CALIBRATION_OFFSET_CM = 45;
/** Ten seconds of cycles give ~30 readings; fewer than 10 valid ones is a sensor problem. */
export const CALIBRATION_MIN_READINGS = 10;
/** An empty floor echoes back steadily; missing echoes mean an angled or absorbing floor. */
export const CALIBRATION_MIN_VALID_SHARE = 0.8;
/** Median absolute deviation allowed on an empty floor, ~5× the sensor's own noise. */
export const CALIBRATION_MAX_SPREAD_CM = 5;
/** Below 1 m the threshold would sit under car height: the sensor must look down from above. */
export const CALIBRATION_MIN_FLOOR_CM = 100;

/**
 * The spot's threshold from distances measured over the empty spot (one per ping or per
 * cycle; null or out-of-range values are missed echoes). Fails, with a sentence that says
 * what to do, when too few came back, when they vary too much, or when the floor is too near.
 */
export function calibrationThreshold(
  emptyReadingsCm: ArrayLike<number | null>,
): { thresholdCm: number; floorCm: number } | { error: string } {
  // A typed array, sorted in place and reused for the deviations: on the node 150 readings
  // in an Array of numbers, plus a sorted copy and the deviations, ran it out of memory. The
  // node's own Float32Array (from measure) is used in place, so it is no longer in ping order.
  const total = emptyReadingsCm.length;
  const kept = emptyReadingsCm instanceof Float32Array ? emptyReadingsCm : new Float64Array(total);
  let count = 0;
  for (let i = 0; i < total; i++) {
    const cm = emptyReadingsCm[i];
    // NaN (a missed echo in a typed array) fails both comparisons.
    if (typeof cm === "number" && cm >= DEFAULT_ECHO_LIMITS.minCm && cm <= DEFAULT_ECHO_LIMITS.maxCm)
      kept[count++] = cm;
  }
  if (count < CALIBRATION_MIN_READINGS || count < CALIBRATION_MIN_VALID_SHARE * total) {
    return {
      error: `Only ${count} of ${total} readings of the empty spot were valid echoes (need ${CALIBRATION_MIN_READINGS} and 80 %); check the wiring and that the sensor points straight at the floor, then calibrate again.`,
    };
  }
  const valid = kept.subarray(0, count);
  const floor = medianInPlace(valid);
  for (let i = 0; i < count; i++) valid[i] = Math.abs((valid[i] as number) - floor);
  const spread = medianInPlace(valid);
  if (spread > CALIBRATION_MAX_SPREAD_CM) {
    return {
      error: `The empty-spot readings vary by ±${Math.round(spread)} cm (at most ±${CALIBRATION_MAX_SPREAD_CM}); make sure the spot is empty and nothing moves under the sensor, then calibrate again.`,
    };
  }
  if (floor < CALIBRATION_MIN_FLOOR_CM) {
    return {
      error: `The floor reads ${Math.round(floor)} cm away, nearer than ${CALIBRATION_MIN_FLOOR_CM}; mount the sensor at least 1 m above the empty spot, or clear what is under it, then calibrate again.`,
    };
  }
  // From the floor as stored, so the two numbers a person sees always differ by the offset.
  const floorCm = Math.round(floor * 10) / 10;
  return { thresholdCm: Math.round(floorCm - CALIBRATION_OFFSET_CM), floorCm };
}
