import { describe, expect, it } from "vitest";
import { inSite, siteCounts, siteOf } from "../../src/lot/sites.js";
import { countSpots } from "../../src/lot/summary.js";
import { deepFreeze, makeSpot } from "./fixtures.js";

describe("siteOf", () => {
  it("is the part of a qualified zone before the slash", () => {
    expect(siteOf("lyon-1/Zone_A")).toBe("lyon-1");
  });

  it("is null for a single-site zone", () => {
    expect(siteOf("Zone_A")).toBeNull();
  });
});

describe("inSite", () => {
  it("holds for the site's own zones only", () => {
    expect(inSite("lyon/Zone_A", "lyon")).toBe(true);
    expect(inSite("lyon-1/Zone_A", "lyon")).toBe(false);
    expect(inSite("Zone_A", "lyon")).toBe(false);
    expect(inSite("lyon/", "lyon")).toBe(false);
  });
});

describe("siteCounts", () => {
  it("sums each site's zones and recomputes the rate from the sums", () => {
    const spots = [
      makeSpot({ zone: "a/Z1", spot: "1", status: "occupied" }),
      makeSpot({ zone: "a/Z1", spot: "2", status: "free" }),
      makeSpot({ zone: "a/Z2", spot: "1", status: "occupied" }),
      makeSpot({ zone: "a/Z2", spot: "2", status: "occupied" }),
      makeSpot({ zone: "a/Z2", spot: "3", status: "unknown" }),
      makeSpot({ zone: "b/Z1", spot: "1", status: "free" }),
      makeSpot({ zone: "b/Z1", spot: "2", online: false }),
    ];
    const zones = deepFreeze(countSpots(spots).zones);
    expect(siteCounts(zones)).toEqual({
      // 3 occupied of 4 seen: 75 %, not the mean of the zone rates (50 % and 100 %).
      a: { total: 5, free: 1, occupied: 3, offline: 0, unknown: 1, occupancyRate: 75 },
      b: { total: 2, free: 1, occupied: 0, offline: 1, unknown: 0, occupancyRate: 0 },
    });
  });

  it("lists sites in id order", () => {
    const zones = countSpots([
      makeSpot({ zone: "z/A" }),
      makeSpot({ zone: "b/A" }),
      makeSpot({ zone: "m/A" }),
    ]).zones;
    expect(Object.keys(siteCounts(zones))).toEqual(["b", "m", "z"]);
  });

  it("is empty when no zone has a site", () => {
    expect(siteCounts(countSpots([makeSpot({ zone: "Zone_A" })]).zones)).toEqual({});
  });

  it("rates a site with nothing seen at 0, and rounds to 0.1", () => {
    const zones = countSpots([
      makeSpot({ zone: "s/A", spot: "1", status: "occupied" }),
      makeSpot({ zone: "s/A", spot: "2", status: "free" }),
      makeSpot({ zone: "s/B", spot: "1", status: "free" }),
      makeSpot({ zone: "t/A", spot: "1", status: "unknown" }),
    ]).zones;
    expect(siteCounts(zones).s?.occupancyRate).toBe(33.3);
    expect(siteCounts(zones).t?.occupancyRate).toBe(0);
  });

  it("keeps a site called __proto__ as a site", () => {
    const sites = siteCounts(countSpots([makeSpot({ zone: "__proto__/A" })]).zones);
    expect(Object.keys(sites)).toEqual(["__proto__"]);
  });
});
