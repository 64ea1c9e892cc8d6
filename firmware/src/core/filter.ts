import { medianAbsoluteDeviation, medianOfSorted, sortedAscending } from "./stats.js";

/** One measurement cycle (K pings), reduced to what the classifier and confidence need. */
export interface Reading {
  /** Median of the counted echoes; null when no echo counts. */
  distanceCm: number | null;
  /** Echoes that count: within the limits and within OUTLIER_CM of the cycle's median. */
  valid: number;
  /** Pings sent, echoed or not. */
  total: number;
  /** Median absolute deviation of the counted echoes from `distanceCm`; 0 when none count. */
  spreadCm: number;
}

export interface EchoLimits {
  minCm: number;
  maxCm: number;
}

/** The HC-SR04's working range: nearer, the receiver still rings from its own burst. */
export const DEFAULT_ECHO_LIMITS: EchoLimits = { minCm: 2, maxCm: 400 };

/**
 * How far an echo may sit from the cycle's median and still count. Wider than the sensor's
 * noise on a sloped bonnet or windscreen (±10 cm), narrower than the 90 cm a car body rises
 * above the floor, so a floor echo never counts towards a car reading or the reverse.
 */
export const OUTLIER_CM = 25;

/**
 * The ESP32's E.getTemperature() reads the chip, which runs well above the air around it, so
 * the speed of sound is taken at 20 °C (±1 % for 15 °C either side). Exported so the
 * simulator's sensor physics makes the same error the node makes on a hot or cold day.
 */
export const AIR_C = 20;

/** Pings at least 60 ms apart, so a ping never hears the previous one's echo. */
export const PING_GAP_MS = 60;

/**
 * Speed of sound in air, m/s, linear in temperature; good to 0.2 % over -20..50 °C.
 */
function speedOfSound(temperatureC: number): number {
  return 331.3 + 0.606 * temperatureC;
}

/**
 * Distance to the reflector for an echo pulse of `microseconds` (the sound goes there and
 * back, hence /2; µs × m/s × 100 cm/m ÷ 10⁶ ÷ 2 = µs × c / 20000). Null when the inputs give
 * no distance, so a ranger can store the result as a ping as is.
 */
export function echoToCm(microseconds: number, temperatureC: number): number | null {
  const cm = (microseconds * speedOfSound(temperatureC)) / 20000;
  return cm >= 0 && cm < Infinity ? cm : null;
}

/** The echo pulse width a reflector at `cm` produces: the simulator's virtual HC-SR04 needs it. */
export function cmToEchoUs(cm: number, temperatureC: number): number {
  return (cm * 20000) / speedOfSound(temperatureC);
}

/**
 * Summarises one cycle of pings (null = no echo before the timeout).
 *
 * Echoes outside `limits` (a 450 cm spike, 1 cm near-field ringing, NaN) are dropped. The
 * median of the rest is a rough centre; echoes more than OUTLIER_CM from it are rejected too,
 * and the distance is the median of what remains.
 *
 * Guarantee: if the genuine echoes lie within OUTLIER_CM of one another and outnumber the
 * in-range spikes, the distance lies between the smallest and largest genuine echo, and every
 * spike farther than OUTLIER_CM from the genuine echoes is left out of `valid` and `spreadCm`.
 * (A majority keeps the rough median inside the genuine span, so no genuine echo is rejected
 * and spikes stay a minority of what remains.) With K = 5 and at least 3 genuine echoes, one
 * spike of any value therefore cannot move the distance; it only costs one valid echo.
 *
 * When the in-range echoes split into two groups with no majority (say two at 120 cm and two
 * at 250 cm), every echo can lie far from the rough median: then none counts and the distance
 * is null, which is the honest answer for a cycle that saw two different surfaces equally.
 *
 * Spread is the median absolute deviation rather than the interquartile range: like the
 * median it ignores up to half the echoes, is defined for one or two echoes, and needs no
 * choice of quartile interpolation, which with five samples changes the result a lot.
 */
export function summarizePings(echoesCm: ArrayLike<number | null>, limits: EchoLimits): Reading {
  const total = echoesCm.length;
  const inRange: number[] = [];
  for (let i = 0; i < total; i++) {
    const echo = echoesCm[i];
    // NaN, a missed echo in a typed array, fails both comparisons.
    if (typeof echo === "number" && echo >= limits.minCm && echo <= limits.maxCm) inRange.push(echo);
  }
  if (inRange.length === 0) return { distanceCm: null, valid: 0, total, spreadCm: 0 };
  const rough = medianOfSorted(sortedAscending(inRange));
  const counted: number[] = [];
  for (const echo of inRange) {
    if (Math.abs(echo - rough) <= OUTLIER_CM) counted.push(echo);
  }
  if (counted.length === 0) return { distanceCm: null, valid: 0, total, spreadCm: 0 };
  const distanceCm = medianOfSorted(sortedAscending(counted));
  return {
    distanceCm,
    valid: counted.length,
    total,
    spreadCm: medianAbsoluteDeviation(counted, distanceCm),
  };
}
