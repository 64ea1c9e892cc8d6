import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseIsoDateTime } from "../src/iso-time.js";

describe("parseIsoDateTime", () => {
  it.each([
    ["2026-01-11T15:30", new Date(2026, 0, 11, 15, 30).getTime()],
    ["2026-01-11T15:30:00", new Date(2026, 0, 11, 15, 30, 0).getTime()],
    ["2026-01-11 15:30:00", new Date(2026, 0, 11, 15, 30, 0).getTime()],
    ["2026-01-11T15:30:00.5", new Date(2026, 0, 11, 15, 30, 0, 500).getTime()],
    ["2026-01-11T15:30:00.123456", new Date(2026, 0, 11, 15, 30, 0, 123).getTime()],
    ["2026-01-11T15:30:00.999999999", new Date(2026, 0, 11, 15, 30, 0, 999).getTime()],
    ["2026-07-01T02:00:00,25", new Date(2026, 6, 1, 2, 0, 0, 250).getTime()],
    ["2024-02-29T00:00:00", new Date(2024, 1, 29).getTime()],
  ])("reads %s without a zone as local time", (text, expected) => {
    expect(parseIsoDateTime(text)).toBe(expected);
  });

  it.each([
    ["2026-01-11T15:30:00Z", Date.UTC(2026, 0, 11, 15, 30)],
    ["2026-01-11t15:30:00.123456z", Date.UTC(2026, 0, 11, 15, 30, 0, 123)],
    ["2026-01-11T15:30:00+01:00", Date.UTC(2026, 0, 11, 14, 30)],
    ["2026-01-11T15:30:00-0530", Date.UTC(2026, 0, 11, 21, 0)],
    ["2026-01-11T15:30+02", Date.UTC(2026, 0, 11, 13, 30)],
    ["1970-01-01T00:00:00.001Z", 1],
  ])("reads %s with its offset", (text, expected) => {
    expect(parseIsoDateTime(text)).toBe(expected);
  });

  it("agrees with Date.parse on forms both accept", () => {
    for (const text of ["2026-01-11T15:30:00.123456", "2026-03-29T02:30:00", "2026-01-11T15:30:00.1+05:45"]) {
      expect(parseIsoDateTime(text)).toBe(Date.parse(text));
    }
  });

  it("reads any UTC date-time as Date.UTC does", () => {
    const date = fc.date({
      min: new Date(Date.UTC(1970, 0, 1)),
      max: new Date(Date.UTC(9999, 11, 31)),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(date, (d) => {
        expect(parseIsoDateTime(d.toISOString())).toBe(d.getTime());
        expect(parseIsoDateTime(d.toISOString().replace("Z", "-03:30"))).toBe(d.getTime() + 3.5 * 3600000);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    "",
    "2026-01-11",
    "2026-01-11T15",
    "2026-01-11T15:30:",
    "2026-01-11T15:30:00.",
    "2026-01-11T15:30:00Zjunk",
    "2026-01-11T15:30:00+1",
    "2026-01-11T15:30:00+01:0",
    "2026-01-11T15:30:00+24:00",
    "2026-13-01T00:00:00",
    "2026-00-01T00:00:00",
    "2025-02-29T00:00:00",
    "2026-04-31T00:00:00",
    "2026-01-11T24:00:00",
    "2026-01-11T23:60:00",
    "2026-01-11T23:59:60",
    "1969-12-31T23:59:59Z",
    "0099-01-01T00:00:00Z",
    "+002026-01-11T15:30:00Z",
    "2026/01/11 15:30:00",
    "Sun Jan 11 2026 15:30:00",
    "2026-01-11T15:30:00.1234567890123456789012345Z",
  ])("refuses %j", (text) => {
    expect(parseIsoDateTime(text)).toBeUndefined();
  });
});
