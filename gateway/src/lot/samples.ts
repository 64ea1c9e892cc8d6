import type { Counts, LotCounts } from "./summary.js";
import { LOT_SCOPE, type OccupancySample } from "./types.js";

/** One sample for the lot, then one per zone in zone id order. */
export function occupancySamples(counts: LotCounts, ts: number): OccupancySample[] {
  return [
    sampleOf(LOT_SCOPE, counts.lot, ts),
    ...Object.entries(counts.zones).map(([zone, c]) => sampleOf(zone, c, ts)),
  ];
}

function sampleOf(scope: string, c: Counts, ts: number): OccupancySample {
  return {
    ts,
    scope,
    total: c.total,
    free: c.free,
    occupied: c.occupied,
    offline: c.offline,
    unknown: c.unknown,
    occupancyRate: c.occupancyRate,
  };
}
