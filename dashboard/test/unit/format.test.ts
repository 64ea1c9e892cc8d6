import { describe, expect, it } from "vitest";
import { formatFor, fromLocalInput, toLocalInput } from "../../src/format.js";

/** Intl puts narrow no-break spaces in French numbers; plain spaces read better in assertions. */
const plain = (text: string) => text.replace(/[\u202f\u00a0]/g, " ");

describe("format", () => {
  it("writes counts and rates as each language does", () => {
    const en = formatFor("en-GB", "UTC");
    const fr = formatFor("fr", "UTC");
    expect(en.count(1234)).toBe("1,234");
    expect(plain(fr.count(1234))).toBe("1 234");
    expect(en.percent(87.5)).toBe("88%");
    expect(plain(fr.percent(72.4))).toBe("72 %");
    expect(en.share(0.93)).toBe("93%");
    expect(en.distance(112.4)).toBe("112 cm");
  });

  it("writes times in the given time zone, 24-hour in en-GB and fr", () => {
    const at = Date.parse("2026-01-11T15:04:05Z");
    expect(formatFor("en-GB", "UTC").time(at)).toBe("15:04:05");
    expect(formatFor("fr", "Europe/Paris").time(at)).toBe("16:04:05");
    expect(formatFor("en-GB").hour(7)).toBe("07");
  });

  it("round-trips datetime-local values in local time, and refuses malformed ones", () => {
    const value = "2026-03-09T08:30";
    const ms = fromLocalInput(value);
    expect(ms).toBe(new Date(2026, 2, 9, 8, 30).getTime());
    expect(toLocalInput(ms as number)).toBe(value);
    expect(fromLocalInput("")).toBeUndefined();
    expect(fromLocalInput("2026-02-31T10:00")).toBeUndefined();
    expect(fromLocalInput("yesterday")).toBeUndefined();
  });
});
