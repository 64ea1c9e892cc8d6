import { describe, expect, it } from "vitest";
import { DEFAULT_ZONES, parseZones } from "../src/layout.js";

describe("parseZones", () => {
  it("reads the original lot", () => {
    const zones = parseZones(DEFAULT_ZONES);
    expect(Array.isArray(zones)).toBe(true);
    if (typeof zones === "string") return;
    expect(zones.map((z) => [z.zone, z.spots.length])).toEqual([
      ["Zone_A", 8],
      ["Zone_B", 6],
      ["Zone_C", 10],
    ]);
    expect(zones[0]?.spots.slice(0, 2)).toEqual(["place_1", "place_2"]);
  });

  it.each([
    ["A:x", "--zones expects ZONE:COUNT"],
    ["A:0", "--zones expects ZONE:COUNT"],
    ["A:1:2", "--zones expects ZONE:COUNT"],
    ["Zone A:3", "is not a valid zone id"],
    ["summary:3", "is not a valid zone id"],
    ["A:1,A:2", "listed twice"],
  ])("refuses %s with a sentence naming the flag", (spec, message) => {
    const result = parseZones(spec);
    expect(typeof result).toBe("string");
    expect(result).toContain(message);
  });
});
