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

/** A value as an export holds it: text, a number, an instant, or empty. */
export type ExportValue = string | number | Date | null;

/** A cell as the CSV writes it: text (already escaped), a number, or empty. */
export type ExportCell = string | number | null;

const FORMULA_TRIGGERS = new Set(["=", "+", "-", "@", "\t", "\r"]);

/**
 * Prefixes text that a spreadsheet would read as a formula with `'` (OWASP CSV injection).
 * Only text goes through here: numbers stay numbers, so `-2` is still a number. CSV only: in a
 * workbook a text cell is text, never a formula, and `'` would be part of it.
 */
export function escapeSpreadsheetCell(value: string): string {
  return FORMULA_TRIGGERS.has(value.charAt(0)) ? `'${value}` : value;
}

/** One event's values, in EXPORT_COLUMNS order; the two times as instants. */
export function exportValues(event: StoredChangeEvent): ExportValue[] {
  return [
    event.id,
    new Date(event.ts),
    event.zone,
    event.spot,
    event.state,
    event.previous,
    event.confidence,
    event.distanceCm,
    event.seq,
    event.source,
    event.reportedAt === null ? null : new Date(event.reportedAt),
  ];
}

/** One event as CSV cells: text escaped, times as ISO 8601 UTC text. */
export function exportRow(event: StoredChangeEvent): ExportCell[] {
  return exportValues(event).map((value) => {
    if (value instanceof Date) return escapeSpreadsheetCell(value.toISOString());
    return typeof value === "string" ? escapeSpreadsheetCell(value) : value;
  });
}
