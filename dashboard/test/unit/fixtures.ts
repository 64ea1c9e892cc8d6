import { EMPTY_COUNTS } from "../../src/lot.js";
import type { Counts, Current, SpotView, Summary } from "../../src/types.js";

export function counts(partial: Partial<Counts> = {}): Counts {
  return { ...EMPTY_COUNTS, ...partial };
}

export function spot(
  zone: string,
  id: string,
  state: SpotView["state"],
  lastChange: string | null,
): SpotView {
  return {
    zone,
    spot: id,
    state,
    confidence: 0.9,
    distance_cm: state === "occupied" ? 110 : 250,
    last_change: lastChange,
    last_seen: lastChange,
  };
}

export function summary(partial: Partial<Summary> = {}): Summary {
  return { ...counts(), timestamp: "2026-01-11T10:00:00.000Z", zones: {}, ...partial };
}

export function current(spots: SpotView[], partial: Partial<Summary> = {}): Current {
  return { ...summary(partial), spots };
}
