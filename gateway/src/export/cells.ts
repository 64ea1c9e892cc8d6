import type { StoredChangeEvent } from "../store/types.js";

/** Column names shared by every export format, in order. */
export const EXPORT_COLUMNS = [
  "id",
  "timestamp",
  "zone",
  "spot",
  "state",
  "previous",
  "confidence",
  "distance_cm",
  "seq",
  "source",
  "reported_at",
] as const;

/** A cell as every format writes it: text (already escaped), a number, or empty. */
export type ExportCell = string | number | null;

const FORMULA_TRIGGERS = new Set(["=", "+", "-", "@", "\t", "\r"]);

/**
 * Prefixes text that a spreadsheet would read as a formula with `'` (OWASP CSV injection).
 * Only text goes through here: numbers stay numbers, so `-2` is still a number.
 */
export function escapeSpreadsheetCell(value: string): string {
  return FORMULA_TRIGGERS.has(value.charAt(0)) ? `'${value}` : value;
}

/** One event as cells, text escaped; timestamps are ISO 8601 UTC text in every format. */
export function exportRow(event: StoredChangeEvent): ExportCell[] {
  return [
    event.id,
    escapeSpreadsheetCell(new Date(event.ts).toISOString()),
    escapeSpreadsheetCell(event.zone),
    escapeSpreadsheetCell(event.spot),
    escapeSpreadsheetCell(event.state),
    event.previous === null ? null : escapeSpreadsheetCell(event.previous),
    event.confidence,
    event.distanceCm,
    event.seq,
    escapeSpreadsheetCell(event.source),
    event.reportedAt === null ? null : escapeSpreadsheetCell(new Date(event.reportedAt).toISOString()),
  ];
}
