import { describe, expect, it } from "vitest";
import { BadRequestError, parseInstant, parseRange } from "../../src/http/params.js";

describe("parseInstant: from and to", () => {
  it.each([
    ["2026-01-11T15:30:00Z", Date.UTC(2026, 0, 11, 15, 30)],
    ["2026-01-11T15:30:00.250+01:00", Date.UTC(2026, 0, 11, 14, 30, 0, 250)],
    ["2026-01-11T15:30", new Date(2026, 0, 11, 15, 30).getTime()],
    ["2026-01-11", new Date(2026, 0, 11).getTime()],
    ["2024-02-29T00:00:00Z", Date.UTC(2024, 1, 29)],
    ["1767225600000", 1767225600000],
    ["0", 0],
  ])("takes %s", (text, ms) => {
    expect(parseInstant("from", text)).toBe(ms);
  });

  it.each([
    "-1",
    "2026-02-30T00:00:00Z",
    "2025-02-29",
    "2026-13-01",
    "Dec 1 2026",
    "yesterday",
    "2026-01-11T25:00:00Z",
    "2026-01-11T15:30:00+25:00",
    "1e12",
    "99999999999999999",
  ])("refuses %s with a sentence naming the parameter", (text) => {
    expect(() => parseInstant("to", text)).toThrow(BadRequestError);
    expect(() => parseInstant("to", text)).toThrow(/^Query parameter to must be an ISO 8601 date/);
  });

  it("leaves an absent or empty parameter to the default", () => {
    expect(parseInstant("from", undefined)).toBeUndefined();
    expect(parseInstant("from", "")).toBeUndefined();
    expect(parseRange({}, { from: 1, to: 2 })).toEqual({ from: 1, to: 2 });
  });
});
