import type { Reading } from "./filter.js";

export interface ConfidenceParams {
  /** Below this share of valid echoes the reading says nothing (the classifier's `unknown`). */
  minValidShare: number;
  /** Spread at which the spread factor halves. */
  spreadToleranceCm: number;
  /** Distance from the threshold at which the margin factor reaches 1. */
  marginCm: number;
}

/** A reading is `unknown` when fewer than half the pings are valid. */
export const MIN_VALID_SHARE = 0.5;

/**
 * A 5 cm spread means echoes from different surfaces (a windscreen edge, the floor beside a
 * car), where the sensor noise on one surface is ~1 cm. 30 cm of margin is three times the
 * default half hysteresis band, so a reading inside the band never scores more than 1/3 on
 * margin.
 */
export const DEFAULT_CONFIDENCE_PARAMS: ConfidenceParams = {
  minValidShare: MIN_VALID_SHARE,
  spreadToleranceCm: 5,
  marginCm: 30,
};

/**
 * Whether a reading has a distance backed by at least `minValidShare` of its pings. The
 * classifier's `unknown` and confidence's 0 share this one test, so they never disagree.
 */
export function hasEnoughEchoes(
  reading: Reading,
  minValidShare: number,
): reading is Reading & { distanceCm: number } {
  return reading.distanceCm !== null && reading.total > 0 && reading.valid >= minValidShare * reading.total;
}

/**
 * How much one cycle's reading can be trusted to say which side of the threshold the spot is
 * on, in [0, 1]:
 *
 *   confidence = echoes × spread × margin
 *   echoes = valid / total, or 0 when that is below minValidShare (or no distance)
 *   spread = 1 / (1 + (spreadCm / spreadToleranceCm)²)
 *   margin = min(1, |distanceCm − thresholdCm| / marginCm)
 *
 * A product, because each factor alone can make a reading worthless: a single echo, echoes
 * that disagree, or a distance on the threshold. The spread factor is flat near 0 (sensor
 * noise of a centimetre costs little) and falls off fast past the tolerance.
 *
 * Worked numbers with the defaults and a threshold of 205 cm:
 *   5/5 echoes, spread 1 cm, 120 cm:  1 × 1/1.04 × 1       = 0.96
 *   4/5 (a spike cut), spread 2, 118: 0.8 × 1/1.16 × 1     = 0.69
 *   3/5 echoes, spread 0, 250 cm:     0.6 × 1 × 1          = 0.60
 *   5/5, spread 5, 120 cm:            1 × 1/2 × 1          = 0.50
 *   5/5, spread 1, 195 cm (in band):  1 × 1/1.04 × 10/30   = 0.32
 *   5/5, spread 0, 205 cm:            margin 0             = 0
 *   2/5 echoes:                       below minValidShare  = 0
 */
export function confidence(reading: Reading, thresholdCm: number, params: ConfidenceParams): number {
  if (!hasEnoughEchoes(reading, params.minValidShare)) return 0;
  const share = reading.valid / reading.total;
  const relativeSpread = reading.spreadCm / params.spreadToleranceCm;
  const spread = 1 / (1 + relativeSpread * relativeSpread);
  const margin = Math.min(1, Math.abs(reading.distanceCm - thresholdCm) / params.marginCm);
  const product = share * spread * margin;
  // Nonsense input (negative counts or tolerances, NaN) must not escape [0, 1], the report's contract.
  return product > 0 ? Math.min(1, product) : 0;
}
