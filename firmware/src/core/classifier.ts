import type { SpotStatus } from "../../../protocol/src/types.js";
import { confidence, DEFAULT_CONFIDENCE_PARAMS, hasEnoughEchoes, MIN_VALID_SHARE } from "./confidence.js";
import type { Reading } from "./filter.js";
import type { NodeSettings } from "./settings.js";

export interface ClassifierSettings {
  thresholdCm: number;
  /** Width of the band around the threshold where a reading keeps the current status. */
  hysteresisCm: number;
  /** Consecutive agreeing cycles before the reported status changes. */
  cyclesToChange: number;
  /** Below this share of valid echoes a cycle's verdict is `unknown`. */
  minValidShare: number;
}

export interface ClassifierState {
  /** What the node reports. */
  status: SpotStatus;
  /** A verdict that differs from `status` and is being counted; null when none is. */
  candidate: SpotStatus | null;
  /** Consecutive cycles that gave `candidate`. */
  agreeing: number;
}

export interface Classification {
  state: ClassifierState;
  /** `state.status`, for the reporter's convenience. */
  status: SpotStatus;
  /** True on the cycle the reported status changed. */
  changed: boolean;
  /** This cycle's own verdict, before the agreeing-cycles rule. */
  verdict: SpotStatus;
  /** Confidence in the reported status, in [0, 1]; 0 whenever status or verdict is unknown. */
  confidence: number;
}

export function classifierSettings(settings: NodeSettings): ClassifierSettings {
  return {
    thresholdCm: settings.thresholdCm,
    hysteresisCm: settings.hysteresisCm,
    cyclesToChange: settings.cyclesToChange,
    minValidShare: MIN_VALID_SHARE,
  };
}

export function initialClassifier(): ClassifierState {
  return { status: "unknown", candidate: null, agreeing: 0 };
}

/**
 * One cycle's verdict. Strictly below the band is occupied, strictly above is free; on a band
 * edge or inside, the current status stands. With no status yet (`unknown`), the band would
 * keep a car parked right at the threshold unknown forever, so the bare threshold decides.
 */
export function verdictOf(reading: Reading, current: SpotStatus, settings: ClassifierSettings): SpotStatus {
  if (!hasEnoughEchoes(reading, settings.minValidShare)) return "unknown";
  const distance = reading.distanceCm;
  const half = settings.hysteresisCm / 2;
  if (distance < settings.thresholdCm - half) return "occupied";
  if (distance > settings.thresholdCm + half) return "free";
  if (current !== "unknown") return current;
  return distance < settings.thresholdCm ? "occupied" : "free";
}

/**
 * Confidence in the reported status: the reading's own confidence when this cycle supports the
 * status, its complement when the cycle contradicts it (the status is then held only by the
 * agreeing-cycles rule, and a strong contradiction should show), and 0 when either side is
 * unknown, because a cycle without a usable reading supports nothing.
 */
function statusConfidence(
  status: SpotStatus,
  verdict: SpotStatus,
  reading: Reading,
  settings: ClassifierSettings,
): number {
  if (status === "unknown" || verdict === "unknown") return 0;
  const params = {
    minValidShare: settings.minValidShare,
    spreadToleranceCm: DEFAULT_CONFIDENCE_PARAMS.spreadToleranceCm,
    marginCm: DEFAULT_CONFIDENCE_PARAMS.marginCm,
  };
  const c = confidence(reading, settings.thresholdCm, params);
  return verdict === status ? c : 1 - c;
}

/**
 * Advances the classifier by one cycle. The reported status changes only after
 * `cyclesToChange` consecutive cycles give the same different verdict, so a lone odd cycle
 * (a spike that beat the median, a person walking under the sensor) never flips a spot, and a
 * failing sensor turns `unknown` after that many cycles without enough echoes.
 *
 * Leaving `unknown` takes a single cycle: at boot, or when a sensor recovers, the first usable
 * verdict is better than reporting nothing, and it is not a flip between free and occupied,
 * which is what the agreeing-cycles rule guards against.
 */
export function classify(
  state: ClassifierState,
  reading: Reading,
  settings: ClassifierSettings,
): Classification {
  const verdict = verdictOf(reading, state.status, settings);
  let next: ClassifierState;
  if (verdict === state.status) {
    next = { status: state.status, candidate: null, agreeing: 0 };
  } else {
    const agreeing = verdict === state.candidate ? state.agreeing + 1 : 1;
    const adopt = state.status === "unknown" || agreeing >= settings.cyclesToChange;
    next = adopt
      ? { status: verdict, candidate: null, agreeing: 0 }
      : { status: state.status, candidate: verdict, agreeing };
  }
  return {
    state: next,
    status: next.status,
    changed: next.status !== state.status,
    verdict,
    confidence: statusConfidence(next.status, verdict, reading, settings),
  };
}
