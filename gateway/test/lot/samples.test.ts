import { describe, expect, it } from "vitest";
import { occupancySamples } from "../../src/lot/samples.js";
import { countSpots } from "../../src/lot/summary.js";
import { LOT_SCOPE } from "../../src/lot/types.js";
import { deepFreeze, makeSpot } from "./fixtures.js";

describe("occupancySamples", () => {
  it("gives one sample for the lot and one per zone, all at the same time", () => {
    const counts = deepFreeze(
      countSpots([
        makeSpot({ zone: "B", spot: "1", status: "occupied" }),
        makeSpot({ zone: "A", spot: "1" }),
        makeSpot({ zone: "A", spot: "2", online: false }),
      ]),
    );
    expect(occupancySamples(counts, 9_000)).toEqual([
      {
        ts: 9_000,
        scope: LOT_SCOPE,
        total: 3,
        free: 1,
        occupied: 1,
        offline: 1,
        unknown: 0,
        occupancyRate: 50,
      },
      { ts: 9_000, scope: "A", total: 2, free: 1, occupied: 0, offline: 1, unknown: 0, occupancyRate: 0 },
      { ts: 9_000, scope: "B", total: 1, free: 0, occupied: 1, offline: 0, unknown: 0, occupancyRate: 100 },
    ]);
  });

  it("gives only the lot's sample for an empty lot", () => {
    expect(occupancySamples(countSpots([]), 1)).toEqual([
      { ts: 1, scope: LOT_SCOPE, total: 0, free: 0, occupied: 0, offline: 0, unknown: 0, occupancyRate: 0 },
    ]);
  });

  it("copies only the sample's fields, so a summary's level does not leak into storage", () => {
    const counts = { lot: { ...countSpots([]).lot, level: "high" }, zones: {} };
    expect(occupancySamples(counts, 1)[0]).not.toHaveProperty("level");
  });
});
