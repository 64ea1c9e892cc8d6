import type { LotSummary, OccupancyCounts } from "../../../protocol/src/types.js";
import { siteOf } from "../lot/sites.js";
import { spotState } from "../lot/spots.js";
import { type AlertEvent, type ChangeEvent, LOT_SCOPE, type Spot } from "../lot/types.js";
import { iso } from "./params.js";

/** How the API and the live stream show things: snake_case, ISO timestamps, as the original system did. */

export function spotView(spot: Spot) {
  return {
    zone: spot.zone,
    spot: spot.spot,
    /** The site of a central gateway's spot; null at a single-site gateway. */
    site: siteOf(spot.zone),
    state: spotState(spot),
    status: spot.status,
    online: spot.online,
    confidence: spot.confidence,
    distance_cm: spot.distanceCm,
    seq: spot.seq,
    last_seen: iso(spot.lastSeen),
    last_change: iso(spot.lastChange),
    reported_at: iso(spot.reportedAt),
    fw: spot.fw,
    rssi: spot.rssi,
    battery_v: spot.batteryV,
  };
}

/**
 * A spot as JSON, made once per spot object: the lot replaces a spot on every change and never
 * mutates one, so a cached text is always that spot's. With thousands of spots `/api/current`
 * then joins texts instead of building and serialising every spot on every request.
 */
const spotTexts = new WeakMap<Spot, string>();

export function spotJson(spot: Spot): string {
  let text = spotTexts.get(spot);
  if (text === undefined) {
    text = JSON.stringify(spotView(spot));
    spotTexts.set(spot, text);
  }
  return text;
}

export function countsView(c: OccupancyCounts) {
  return { ...siteView(c), level: c.level };
}

/** A site's counts: as a zone's, without a level (alerts are per zone and for the whole lot). */
export function siteView(c: Omit<OccupancyCounts, "level">) {
  return {
    total: c.total,
    free: c.free,
    occupied: c.occupied,
    offline: c.offline,
    unknown: c.unknown,
    occupancy_rate: c.occupancyRate,
  };
}

export function summaryView(s: LotSummary) {
  return {
    timestamp: iso(s.timestamp),
    total_places: s.total,
    ...countsView(s),
    zones: Object.fromEntries(Object.entries(s.zones).map(([zone, c]) => [zone, countsView(c)])),
  };
}

export function eventView(e: ChangeEvent & { id?: number }) {
  return {
    ...(e.id !== undefined ? { id: e.id } : {}),
    timestamp: iso(e.ts),
    zone: e.zone,
    spot: e.spot,
    state: e.state,
    previous: e.previous,
    confidence: e.confidence,
    distance_cm: e.distanceCm,
    seq: e.seq,
    reported_at: iso(e.reportedAt),
    source: e.source,
  };
}

export function alertView(a: AlertEvent & { id?: number }) {
  return {
    ...(a.id !== undefined ? { id: a.id } : {}),
    timestamp: iso(a.ts),
    /** Null for the whole lot: a zone may well be called "lot". */
    zone: a.scope === LOT_SCOPE ? null : a.scope,
    level: a.level,
    previous: a.previous,
    occupancy_rate: a.occupancyRate,
  };
}
