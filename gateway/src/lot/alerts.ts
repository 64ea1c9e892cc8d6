import type { AlertLevel, AlertState } from "../../../protocol/src/types.js";
import type { LotCounts } from "./summary.js";
import { type AlertEvent, LOT_SCOPE } from "./types.js";

/** Occupancy rates in percent; a level clears `hysteresis` points below the threshold that raised it. */
export interface AlertThresholds {
  high: number;
  critical: number;
  hysteresis: number;
}

export const DEFAULT_THRESHOLDS: Readonly<AlertThresholds> = Object.freeze({
  high: 70,
  critical: 85,
  hysteresis: 5,
});

export interface AlertLevels {
  lot: AlertLevel;
  zones: Record<string, AlertLevel>;
}

/** Levels before anything was counted: a zone not listed is normal. */
export const INITIAL_LEVELS: Readonly<AlertLevels> = Object.freeze({
  lot: "normal",
  zones: Object.freeze({}),
});

/** One sentence naming the setting to fix, or null when the thresholds are usable. */
export function validateThresholds(t: AlertThresholds): string | null {
  if (![t.high, t.critical, t.hysteresis].every(Number.isFinite)) {
    return "Set the alert thresholds and hysteresis to numbers.";
  }
  if (!(t.high > 0 && t.high < t.critical && t.critical <= 100)) {
    return `Set the alert thresholds so that 0 < high < critical ≤ 100 (got high ${t.high}, critical ${t.critical}).`;
  }
  if (!(t.hysteresis >= 0 && t.hysteresis < t.high)) {
    return `Set the alert hysteresis to at least 0 and below the high threshold ${t.high} (got ${t.hysteresis}).`;
  }
  return null;
}

export function nextLevel(prev: AlertLevel, rate: number, t: AlertThresholds): AlertLevel {
  if (rate >= t.critical || (prev === "critical" && rate >= t.critical - t.hysteresis)) return "critical";
  // Falling from critical passes through high, so high's own clear point applies to both.
  if (rate >= t.high || (prev !== "normal" && rate >= t.high - t.hysteresis)) return "high";
  return "normal";
}

export function zoneLevel(levels: AlertLevels, zone: string): AlertLevel {
  // Zone ids such as `constructor` are valid, so only own properties are levels.
  return Object.hasOwn(levels.zones, zone) ? (levels.zones[zone] ?? "normal") : "normal";
}

/** Levels for the zones in `counts` (a zone no longer counted is dropped) and one event per transition. */
export function evaluateAlerts(
  prev: AlertLevels,
  counts: LotCounts,
  t: AlertThresholds,
  ts: number,
): { levels: AlertLevels; events: AlertEvent[] } {
  const events: AlertEvent[] = [];
  const step = (scope: string, previous: AlertLevel, occupancyRate: number): AlertLevel => {
    const level = nextLevel(previous, occupancyRate, t);
    if (level !== previous) events.push({ ts, scope, level, previous, occupancyRate });
    return level;
  };
  const lot = step(LOT_SCOPE, prev.lot, counts.lot.occupancyRate);
  const zones = Object.fromEntries(
    Object.entries(counts.zones).map(([zone, c]) => [
      zone,
      step(zone, zoneLevel(prev, zone), c.occupancyRate),
    ]),
  );
  return { levels: { lot, zones }, events };
}

export function alertState(levels: AlertLevels, counts: LotCounts, ts: number): AlertState {
  return {
    timestamp: ts,
    level: levels.lot,
    occupancyRate: counts.lot.occupancyRate,
    zones: Object.fromEntries(
      Object.entries(counts.zones).map(([zone, c]) => [
        zone,
        { level: zoneLevel(levels, zone), occupancyRate: c.occupancyRate },
      ]),
    ),
  };
}
