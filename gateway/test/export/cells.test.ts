import { describe, expect, it } from "vitest";
import { EXPORT_COLUMNS, escapeSpreadsheetCell, exportRow, exportValues } from "../../src/export/cells.js";
import { changeEvent } from "./events.js";

describe("escapeSpreadsheetCell", () => {
  it.each(["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(1)", "\tx", "\rx", "=", "-"])("prefixes %j", (value) => {
    expect(escapeSpreadsheetCell(value)).toBe(`'${value}`);
  });

  it.each(["", "A", "Zone_1", "1+2", "a=b", " =1", "'quoted", "é"])("leaves %j alone", (value) => {
    expect(escapeSpreadsheetCell(value)).toBe(value);
  });
});

describe("exportRow", () => {
  it("has one cell per column, numbers as numbers and missing values empty", () => {
    const row = exportRow(changeEvent(3, { previous: null, seq: -7, zone: "-B" }));
    expect(row).toHaveLength(EXPORT_COLUMNS.length);
    expect(row).toEqual([
      3,
      "2026-01-11T08:30:03.123Z",
      "'-B",
      "S3",
      "occupied",
      null,
      0.875,
      null,
      -7,
      "mqtt",
      "2026-01-11T08:30:02.873Z",
    ]);
  });

  it("adds the node's own time last, after the original columns, and leaves it empty when there is none", () => {
    expect(EXPORT_COLUMNS.at(-1)).toBe("reported_at");
    expect(exportRow(changeEvent(4)).at(-1)).toBeNull();
    expect(exportRow(changeEvent(4, { reportedAt: 0 })).at(-1)).toBe("1970-01-01T00:00:00.000Z");
  });

  it("gives the formats typed values: the times as instants, text unescaped", () => {
    const event = changeEvent(3, { zone: "-B", reportedAt: 5 });
    const values = exportValues(event);
    expect(values[1]).toEqual(new Date(event.ts));
    expect(values[2]).toBe("-B");
    expect(values.at(-1)).toEqual(new Date(5));
  });

  it("escapes a timestamp whose year needs a sign", () => {
    expect(exportRow(changeEvent(1, { ts: Date.UTC(10000, 0, 1) }))[1]).toBe("'+010000-01-01T00:00:00.000Z");
    expect(exportRow(changeEvent(1, { reportedAt: Date.UTC(-1, 0, 1) })).at(-1)).toBe(
      "'-000001-01-01T00:00:00.000Z",
    );
  });
});
