import type { AlertChange, AlertLevel, Counts, Current, SpotState, SpotView, Summary } from "./types.js";

/**
 * The lot as the page knows it: counts and alert levels from the gateway, and every spot by key.
 * It is the page's one mutable model: with thousands of spots, events change it in place and
 * report what changed, so the views touch only that.
 */
export interface Lot {
  counts: Counts;
  zones: Map<string, Counts>;
  spots: Map<string, SpotView>;
}

/**
 * What the page shows: one zone, one site's zones (a central gateway's zones are
 * `<site>/<zone>`), or, with both null, the whole lot. A zone, when set, is one of the site's.
 */
export interface Filter {
  site: string | null;
  zone: string | null;
}

export const WHOLE_LOT: Filter = { site: null, zone: null };

export interface SpotChange {
  key: string;
  spot: SpotView;
  /** Null for a spot the page had not seen. */
  previous: SpotState | null;
}

export interface ActiveAlert {
  /** Null for the whole lot. */
  zone: string | null;
  level: Exclude<AlertLevel, "normal">;
  occupancyRate: number;
}

export const EMPTY_COUNTS: Counts = {
  total: 0,
  free: 0,
  occupied: 0,
  offline: 0,
  unknown: 0,
  occupancy_rate: 0,
  level: "normal",
};

/**
 * Spot ids never contain a slash ([A-Za-z0-9_-]) and zone ids at most the one after a site, so
 * the key is unambiguous.
 */
export function spotKey(zone: string, spot: string): string {
  return `${zone}/${spot}`;
}

const collator = new Intl.Collator("en", { numeric: true });

/** place_2 before place_10, as the gateway sorts them. */
export function compareIds(a: string, b: string): number {
  return collator.compare(a, b);
}

function countsOf(c: Counts): Counts {
  return {
    total: c.total,
    free: c.free,
    occupied: c.occupied,
    offline: c.offline,
    unknown: c.unknown,
    occupancy_rate: c.occupancy_rate,
    level: c.level,
  };
}

export function lotFromCurrent(current: Current): Lot {
  const lot: Lot = { counts: countsOf(current), zones: new Map(), spots: new Map() };
  applySummary(lot, current);
  for (const spot of current.spots) lot.spots.set(spotKey(spot.zone, spot.spot), spot);
  return lot;
}

/**
 * Records a `spot` event; the change says what the spot was before, for the activity log. An
 * event older than what the page has (one that crossed a reload of the lot) changes nothing: null.
 */
export function applySpot(lot: Lot, spot: SpotView): SpotChange | null {
  const key = spotKey(spot.zone, spot.spot);
  const known = lot.spots.get(key);
  if (known !== undefined && changedAt(spot) < changedAt(known)) return null;
  lot.spots.set(key, spot);
  return { key, spot, previous: known?.state ?? null };
}

function changedAt(spot: SpotView): number {
  const at = spot.last_change === null ? Number.NaN : Date.parse(spot.last_change);
  return Number.isFinite(at) ? at : Number.NEGATIVE_INFINITY;
}

/** A summary carries every zone's counts and level; the gateway's numbers win over any local count. */
export function applySummary(lot: Lot, summary: Summary): void {
  lot.counts = countsOf(summary);
  for (const [zone, counts] of Object.entries(summary.zones)) lot.zones.set(zone, countsOf(counts));
}

/** An `alert` event moves one scope's level before the next summary confirms it. */
export function applyAlert(lot: Lot, alert: AlertChange): void {
  const counts = alert.zone === null ? lot.counts : lot.zones.get(alert.zone);
  if (counts === undefined) return;
  counts.level = alert.level;
  counts.occupancy_rate = alert.occupancy_rate;
}

export function countsFor(lot: Lot, filter: Filter): Counts {
  if (filter.zone !== null) return lot.zones.get(filter.zone) ?? EMPTY_COUNTS;
  if (filter.site !== null) return siteCounts(lot, filter.site);
  return lot.counts;
}

/**
 * A site's zones summed, the rate recomputed from the sums as the gateway does for the lot. The
 * gateway gives sites no alert level; a site is shown as alarmed as its most alarmed zone.
 */
function siteCounts(lot: Lot, site: string): Counts {
  const sum: Counts = { ...EMPTY_COUNTS };
  for (const [zone, c] of lot.zones) {
    if (siteOf(zone) !== site) continue;
    sum.total += c.total;
    sum.free += c.free;
    sum.occupied += c.occupied;
    sum.offline += c.offline;
    sum.unknown += c.unknown;
    if (severity(c.level) > severity(sum.level)) sum.level = c.level;
  }
  const seen = sum.free + sum.occupied;
  sum.occupancy_rate = seen === 0 ? 0 : Math.round((sum.occupied * 1000) / seen) / 10;
  return sum;
}

export function inFilter(filter: Filter, zone: string): boolean {
  return (
    (filter.zone === null || filter.zone === zone) && (filter.site === null || siteOf(zone) === filter.site)
  );
}

/** The site of a central gateway's zone (`<site>/<zone>`); null for a single site's zone. */
export function siteOf(zone: string): string | null {
  const slash = zone.indexOf("/");
  return slash < 0 ? null : zone.slice(0, slash);
}

/** The sites the page knows of, in natural order; empty when the gateway is not a central one. */
export function siteNames(lot: Lot): string[] {
  const sites = new Set<string>();
  for (const zone of zoneNames(lot)) {
    const site = siteOf(zone);
    if (site !== null) sites.add(site);
  }
  return [...sites].sort(compareIds);
}

/** Every zone the page knows of, from summaries and from spots, in natural order. */
export function zoneNames(lot: Lot): string[] {
  const names = new Set(lot.zones.keys());
  for (const spot of lot.spots.values()) names.add(spot.zone);
  return [...names].sort(compareIds);
}

/** Scopes above normal: the lot first, then zones, critical before warning. */
export function activeAlerts(lot: Lot): ActiveAlert[] {
  const alerts: ActiveAlert[] = [];
  const add = (zone: string | null, c: Counts) => {
    if (c.level !== "normal") alerts.push({ zone, level: c.level, occupancyRate: c.occupancy_rate });
  };
  add(null, lot.counts);
  const zones = [...lot.zones.entries()].sort(
    ([a, ca], [b, cb]) => severity(cb.level) - severity(ca.level) || compareIds(a, b),
  );
  for (const [zone, counts] of zones) add(zone, counts);
  return alerts;
}

export function worstLevel(alerts: readonly ActiveAlert[]): AlertLevel {
  let worst: AlertLevel = "normal";
  for (const a of alerts) if (severity(a.level) > severity(worst)) worst = a.level;
  return worst;
}

function severity(level: AlertLevel): number {
  return level === "critical" ? 2 : level === "high" ? 1 : 0;
}

/** The page's word for a level: the gateway's `high` is shown, and hooked for tests, as a warning. */
export function displayLevel(level: AlertLevel): "normal" | "warning" | "critical" {
  return level === "high" ? "warning" : level;
}
