import type { Filter } from "./lot.js";

export type QueryValue = string | number | null | undefined;

/** A path with its query string; empty values are left out, so defaults stay the gateway's. */
export function withQuery(path: string, params: Record<string, QueryValue> = {}): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(name, String(value));
  }
  const text = query.toString();
  return text === "" ? path : `${path}?${text}`;
}

export type ExportFormat = "csv" | "xlsx";

export function exportUrl(format: ExportFormat, from: number, to: number, { site, zone }: Filter): string {
  return withQuery(`/api/export.${format}`, {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    site,
    zone,
  });
}
