import { MAX_EPOCH_MS, parseIsoDateTime } from "../../../protocol/src/iso-time.js";
import { inSite } from "../lot/sites.js";

/** Query-parameter readers that fail with a 400 naming the parameter. */

export class BadRequestError extends Error {
  override name = "BadRequestError";
  readonly statusCode = 400;
}

/**
 * Reads `from`/`to`: an ISO 8601 date-time (with or without a zone; without one it is
 * gateway-local time), a date alone (local midnight), or epoch milliseconds. Nothing else:
 * `Date.parse` would also take `-1`, `2026-02-30` (as 2 March) and `Dec 1 2026`, and answer
 * for a range the caller did not ask for.
 */
export function parseInstant(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const text = value.trim();
  const ms = /^\d{1,16}$/.test(text)
    ? Number(text)
    : parseIsoDateTime(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00` : text);
  if (ms === undefined || !Number.isFinite(ms) || ms < 0 || ms > MAX_EPOCH_MS) {
    throw new BadRequestError(
      `Query parameter ${name} must be an ISO 8601 date (2026-01-11T15:30:00Z, or 2026-01-11) or epoch milliseconds, got "${text.slice(0, 64)}".`,
    );
  }
  return ms;
}

export interface Range {
  from: number | undefined;
  to: number | undefined;
}

export function parseRange(
  query: { from?: string; to?: string },
  defaults?: { from?: number; to?: number },
): Range {
  const from = parseInstant("from", query.from) ?? defaults?.from;
  const to = parseInstant("to", query.to) ?? defaults?.to;
  if (from !== undefined && to !== undefined && from >= to) {
    throw new BadRequestError("Query parameter from must be earlier than to.");
  }
  return { from, to };
}

export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/**
 * `site` and `zone` together: the zone must be one of the site's (`<site>/<zone>`), or the answer
 * would silently be empty.
 */
export function checkSiteZone(query: { site?: string; zone?: string }): void {
  const { site, zone } = query;
  if (site === undefined || zone === undefined || inSite(zone, site)) return;
  throw new BadRequestError(
    `Query parameter zone must be a zone of site "${site}" ("${site}/<zone>") when site is given, got "${zone}".`,
  );
}
