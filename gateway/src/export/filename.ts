const UNSAFE_RUN = /[^A-Za-z0-9_-]+/g;
const MAX_ZONE_CHARS = 32;

function day(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

function rangeLabel(from: number | undefined, to: number | undefined): string {
  if (from !== undefined && to !== undefined) return `${day(from)}_${day(to)}`;
  if (from !== undefined) return `from-${day(from)}`;
  if (to !== undefined) return `to-${day(to)}`;
  return "all";
}

/**
 * A download name such as `parking-history-2026-01-11_2026-01-12-Zone_A.csv`. Days are UTC,
 * like the exported timestamps, and are the range's bounds as given (`to` is exclusive).
 * Only `[A-Za-z0-9_.-]` comes out, so the name is safe in a Content-Disposition header.
 */
export function exportFilename(
  ext: "csv" | "xlsx",
  range: { from?: number; to?: number },
  zone?: string,
): string {
  const zonePart = zone ? `-${zone.replace(UNSAFE_RUN, "_").slice(0, MAX_ZONE_CHARS)}` : "";
  return `parking-history-${rangeLabel(range.from, range.to)}${zonePart}.${ext}`;
}
