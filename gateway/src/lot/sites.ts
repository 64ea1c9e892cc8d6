import type { Counts } from "./summary.js";

/**
 * Sites of a central gateway (`--site-topics`): its zones are `<site-id>/<zone>`, so a site is
 * the part of a zone id before its `/`. Zone ids of a single-site gateway have no `/`.
 */

/** The site of a qualified zone id, or null for a zone of a single-site gateway. */
export function siteOf(zone: string): string | null {
  const slash = zone.indexOf("/");
  return slash < 0 ? null : zone.slice(0, slash);
}

/** True when the zone is one of the site's: `<site>/<zone>`. */
export function inSite(zone: string, site: string): boolean {
  return zone.length > site.length + 1 && zone.startsWith(`${site}/`);
}

/**
 * Per-site counts summed from the zones' counts, sites in id order; the rate is recomputed from
 * the sums (a mean of zone rates would weigh a 2-spot zone like a 200-spot one). Zones without a
 * site are left out: an empty record means the lot has no sites.
 */
export function siteCounts(zones: Record<string, Counts>): Record<string, Counts> {
  const sums = new Map<string, Omit<Counts, "occupancyRate">>();
  for (const [zone, c] of Object.entries(zones)) {
    const site = siteOf(zone);
    if (site === null) continue;
    const sum = sums.get(site) ?? { total: 0, free: 0, occupied: 0, offline: 0, unknown: 0 };
    sum.total += c.total;
    sum.free += c.free;
    sum.occupied += c.occupied;
    sum.offline += c.offline;
    sum.unknown += c.unknown;
    sums.set(site, sum);
  }
  // fromEntries defines own properties, so a site called `__proto__` is a site like any other.
  return Object.fromEntries(
    [...sums.keys()].sort().map((site) => {
      const sum = sums.get(site) as Omit<Counts, "occupancyRate">;
      return [site, { ...sum, occupancyRate: occupancyRate(sum.occupied, sum.free) }];
    }),
  );
}

/** As the lot's own counts: occupied ÷ (free + occupied), in percent to 0.1, integers until the one division. */
function occupancyRate(occupied: number, free: number): number {
  const seen = free + occupied;
  return seen === 0 ? 0 : Math.round((occupied * 1000) / seen) / 10;
}
