import type { AlertState, LotSummary, OccupancyCounts, SpotReport } from "./types.js";

/**
 * Sets an own enumerable property. Zone ids may be `__proto__` (it matches the id pattern), and
 * plain assignment would set the object's prototype instead, dropping the zone from the JSON.
 */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/**
 * A spot report as the contract's JSON. `extra` fields come first (the serial fallback adds
 * `zone` and `spot`); a report field of the same name wins over them.
 */
export function encodeReport(report: SpotReport, extra?: Readonly<Record<string, string | number>>): string {
  const out: Record<string, unknown> = {};
  if (extra !== undefined) {
    for (const key of Object.keys(extra)) setOwn(out, key, extra[key]);
  }
  out.status = report.status;
  out.confidence = report.confidence;
  if (report.distanceCm !== undefined) out.distance_cm = report.distanceCm;
  if (report.ts !== undefined) out.ts = report.ts;
  if (report.seq !== undefined) out.seq = report.seq;
  if (report.reason !== undefined) out.reason = report.reason;
  if (report.fw !== undefined) out.fw = report.fw;
  if (report.rssi !== undefined) out.rssi = report.rssi;
  if (report.batteryV !== undefined) out.battery_v = report.batteryV;
  if (report.uptimeS !== undefined) out.uptime_s = report.uptimeS;
  return JSON.stringify(out);
}

function zoneCounts(counts: OccupancyCounts): Record<string, unknown> {
  return {
    total: counts.total,
    free: counts.free,
    occupied: counts.occupied,
    offline: counts.offline,
    unknown: counts.unknown,
    occupancy_rate: counts.occupancyRate,
    level: counts.level,
  };
}

/** The lot summary, with the original system's field names alongside the v1 ones. */
export function encodeSummary(summary: LotSummary): string {
  const zones: Record<string, unknown> = {};
  for (const zone of Object.keys(summary.zones))
    setOwn(zones, zone, zoneCounts(summary.zones[zone] as OccupancyCounts));
  return JSON.stringify({
    total_places: summary.total,
    free: summary.free,
    occupied: summary.occupied,
    occupancy_rate: summary.occupancyRate,
    timestamp: isoTime(summary.timestamp),
    total: summary.total,
    offline: summary.offline,
    unknown: summary.unknown,
    level: summary.level,
    zones,
  });
}

export function encodeAlerts(state: AlertState): string {
  const zones: Record<string, unknown> = {};
  for (const zone of Object.keys(state.zones)) {
    const alert = state.zones[zone] as AlertState["zones"][string];
    setOwn(zones, zone, { level: alert.level, occupancy_rate: alert.occupancyRate });
  }
  return JSON.stringify({
    timestamp: isoTime(state.timestamp),
    level: state.level,
    occupancy_rate: state.occupancyRate,
    zones,
  });
}
