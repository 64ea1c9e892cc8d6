import type { LotSummary, OccupancyCounts } from "../../../protocol/src/types.js";
import { type AlertLevels, zoneLevel } from "./alerts.js";
import type { Spot } from "./types.js";

/** Counts before the alert evaluator has given them a level. */
export type Counts = Omit<OccupancyCounts, "level">;

export interface LotCounts {
  lot: Counts;
  /** In zone id order. */
  zones: Record<string, Counts>;
}

type Tally = Omit<Counts, "occupancyRate">;

export function countSpots(spots: Iterable<Spot>): LotCounts {
  const lot = emptyTally();
  const zones = new Map<string, Tally>();
  for (const spot of spots) {
    let zone = zones.get(spot.zone);
    if (zone === undefined) {
      zone = emptyTally();
      zones.set(spot.zone, zone);
    }
    add(lot, spot);
    add(zone, spot);
  }
  const ids = [...zones.keys()].sort();
  // fromEntries defines own properties, so a zone called `__proto__` is a zone like any other.
  return {
    lot: withRate(lot),
    zones: Object.fromEntries(ids.map((id) => [id, withRate(zones.get(id) ?? emptyTally())])),
  };
}

/** Counts with their alert levels; takes counts so a caller that has them does not count twice. */
export function summarize(counts: LotCounts, levels: AlertLevels, timestamp: number): LotSummary {
  return {
    timestamp,
    ...counts.lot,
    level: levels.lot,
    zones: Object.fromEntries(
      Object.entries(counts.zones).map(([zone, c]) => [zone, { ...c, level: zoneLevel(levels, zone) }]),
    ),
  };
}

function emptyTally(): Tally {
  return { total: 0, free: 0, occupied: 0, offline: 0, unknown: 0 };
}

/** Offline and unknown spots are counted apart so that they are never advertised as free. */
function add(tally: Tally, spot: Spot): void {
  tally.total += 1;
  if (!spot.online) tally.offline += 1;
  else tally[spot.status] += 1;
}

function withRate(tally: Tally): Counts {
  const seen = tally.free + tally.occupied;
  // Integer arithmetic before the one division keeps x.x5 cases from drifting in floating point.
  const occupancyRate = seen === 0 ? 0 : Math.round((tally.occupied * 1000) / seen) / 10;
  return { ...tally, occupancyRate };
}
