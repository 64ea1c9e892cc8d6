import { describe, expect, it } from "vitest";
import {
  activeAlerts,
  applyAlert,
  applySpot,
  applySummary,
  countsFor,
  displayLevel,
  EMPTY_COUNTS,
  inFilter,
  lotFromCurrent,
  siteNames,
  siteOf,
  spotKey,
  WHOLE_LOT,
  worstLevel,
  zoneNames,
} from "../../src/lot.js";
import { counts, current, spot, summary } from "./fixtures.js";

const T1 = "2026-01-11T10:00:00.000Z";
const zone = (id: string) => ({ site: null, zone: id });
const T2 = "2026-01-11T10:05:00.000Z";

describe("lot", () => {
  it("indexes the spots of /api/current by zone and spot", () => {
    const lot = lotFromCurrent(
      current([spot("Zone_A", "place_1", "free", T1), spot("Zone_B", "place_1", "occupied", T1)], {
        total: 2,
        free: 1,
        occupied: 1,
        occupancy_rate: 50,
        zones: { Zone_A: counts({ total: 1, free: 1 }), Zone_B: counts({ total: 1, occupied: 1 }) },
      }),
    );
    expect(lot.spots.get(spotKey("Zone_B", "place_1"))?.state).toBe("occupied");
    expect(lot.counts.occupancy_rate).toBe(50);
    expect(countsFor(lot, zone("Zone_A")).free).toBe(1);
    expect(countsFor(lot, WHOLE_LOT).total).toBe(2);
  });

  it("gives empty counts for a zone it does not know", () => {
    const lot = lotFromCurrent(current([]));
    expect(countsFor(lot, zone("Zone_X"))).toEqual(EMPTY_COUNTS);
  });

  it("reports what a spot was before a spot event, and null for a new spot", () => {
    const lot = lotFromCurrent(current([spot("Zone_A", "place_1", "free", T1)]));
    const change = applySpot(lot, spot("Zone_A", "place_1", "occupied", T2));
    expect(change).toMatchObject({ key: "Zone_A/place_1", previous: "free" });
    expect(lot.spots.get("Zone_A/place_1")?.state).toBe("occupied");
    expect(applySpot(lot, spot("Zone_A", "place_9", "free", T2))?.previous).toBeNull();
  });

  it("ignores a spot event older than what it has, as after a reload of the lot", () => {
    const lot = lotFromCurrent(current([spot("Zone_A", "place_1", "occupied", T2)]));
    expect(applySpot(lot, spot("Zone_A", "place_1", "free", T1))).toBeNull();
    expect(lot.spots.get("Zone_A/place_1")?.state).toBe("occupied");
  });

  it("takes counts and levels from a summary, zone by zone", () => {
    const lot = lotFromCurrent(current([]));
    applySummary(
      lot,
      summary({
        occupancy_rate: 72,
        level: "high",
        zones: { Zone_A: counts({ occupancy_rate: 90, level: "critical" }) },
      }),
    );
    expect(lot.counts.level).toBe("high");
    expect(countsFor(lot, zone("Zone_A")).level).toBe("critical");
  });

  it("moves one scope's level on an alert event, the lot's when zone is null", () => {
    const lot = lotFromCurrent(current([], { zones: { Zone_A: counts() } }));
    applyAlert(lot, {
      timestamp: T2,
      zone: "Zone_A",
      level: "critical",
      previous: "normal",
      occupancy_rate: 88,
    });
    applyAlert(lot, { timestamp: T2, zone: null, level: "high", previous: "normal", occupancy_rate: 71 });
    expect(countsFor(lot, zone("Zone_A"))).toMatchObject({ level: "critical", occupancy_rate: 88 });
    expect(lot.counts.level).toBe("high");
  });

  it("lists alerts with the lot first, then zones critical before warning, and their worst level", () => {
    const lot = lotFromCurrent(
      current([], {
        level: "high",
        zones: {
          Zone_A: counts({ level: "high" }),
          Zone_B: counts({ level: "normal" }),
          Zone_C: counts({ level: "critical" }),
        },
      }),
    );
    const alerts = activeAlerts(lot);
    expect(alerts.map((a) => [a.zone, a.level])).toEqual([
      [null, "high"],
      ["Zone_C", "critical"],
      ["Zone_A", "high"],
    ]);
    expect(worstLevel(alerts)).toBe("critical");
    expect(worstLevel([])).toBe("normal");
  });

  it("names zones in natural order, from summaries and spots alike", () => {
    const lot = lotFromCurrent(
      current([spot("zone_10", "a", "free", T1), spot("zone_2", "a", "free", T1)], {
        zones: { zone_1: counts() },
      }),
    );
    expect(zoneNames(lot)).toEqual(["zone_1", "zone_2", "zone_10"]);
  });

  it("filters by zone, the whole lot keeping every zone", () => {
    expect(inFilter(WHOLE_LOT, "Zone_A")).toBe(true);
    expect(inFilter(zone("Zone_A"), "Zone_A")).toBe(true);
    expect(inFilter(zone("Zone_B"), "Zone_A")).toBe(false);
  });

  it("filters by site: the site's zones only, and a zone of it", () => {
    const north = { site: "north", zone: null };
    expect(inFilter(north, "north/Zone_A")).toBe(true);
    expect(inFilter(north, "south/Zone_A")).toBe(false);
    expect(inFilter(north, "north-2/Zone_A")).toBe(false);
    expect(inFilter(north, "Zone_A")).toBe(false);
    expect(inFilter({ site: "north", zone: "north/Zone_A" }, "north/Zone_B")).toBe(false);
    expect(siteOf("north/Zone_A")).toBe("north");
    expect(siteOf("Zone_A")).toBeNull();
  });

  it("names the sites of a central gateway's zones, and none at a single site", () => {
    const central = lotFromCurrent(
      current([spot("site_10/Zone_A", "a", "free", T1), spot("site_2/Zone_A", "a", "free", T1)], {
        zones: { "site_2/Zone_B": counts() },
      }),
    );
    expect(siteNames(central)).toEqual(["site_2", "site_10"]);
    expect(siteNames(lotFromCurrent(current([spot("Zone_A", "a", "free", T1)])))).toEqual([]);
  });

  it("sums a site's zones, recomputing the rate, at the level of its most alarmed zone", () => {
    const lot = lotFromCurrent(
      current([], {
        zones: {
          "north/Zone_A": counts({ total: 2, free: 1, occupied: 1, occupancy_rate: 50 }),
          "north/Zone_B": counts({
            total: 5,
            occupied: 3,
            unknown: 1,
            free: 1,
            occupancy_rate: 75,
            level: "high",
          }),
          "south/Zone_A": counts({ total: 9, occupied: 9, occupancy_rate: 100, level: "critical" }),
        },
      }),
    );
    expect(countsFor(lot, { site: "north", zone: null })).toEqual({
      total: 7,
      free: 2,
      occupied: 4,
      offline: 0,
      unknown: 1,
      occupancy_rate: 66.7,
      level: "high",
    });
    expect(countsFor(lot, { site: "north", zone: "north/Zone_A" }).total).toBe(2);
    expect(countsFor(lot, { site: "west", zone: null })).toEqual(EMPTY_COUNTS);
  });

  it("shows the gateway's high level as a warning", () => {
    expect(displayLevel("high")).toBe("warning");
    expect(displayLevel("critical")).toBe("critical");
    expect(displayLevel("normal")).toBe("normal");
  });
});
