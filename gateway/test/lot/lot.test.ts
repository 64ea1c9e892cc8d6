import { describe, expect, it } from "vitest";
import { Lot } from "../../src/lot/lot.js";
import { makeSpot } from "./fixtures.js";

describe("Lot", () => {
  it("starts empty", () => {
    const lot = new Lot();
    expect(lot.size).toBe(0);
    expect(lot.get("A", "1")).toBeUndefined();
    expect([...lot.values()]).toEqual([]);
  });

  it("keeps a spot by zone and spot id and replaces it on the next set", () => {
    const lot = new Lot();
    lot.set(makeSpot({ zone: "A", spot: "1", status: "free" }));
    lot.set(makeSpot({ zone: "A", spot: "1", status: "occupied" }));
    expect(lot.size).toBe(1);
    expect(lot.get("A", "1")?.status).toBe("occupied");
  });

  it("tells the same spot id in two zones apart", () => {
    const lot = new Lot();
    lot.set(makeSpot({ zone: "A", spot: "1" }));
    lot.set(makeSpot({ zone: "B", spot: "1" }));
    expect(lot.size).toBe(2);
    expect(lot.get("B", "1")?.zone).toBe("B");
    expect([...lot.values()].map((s) => s.zone)).toEqual(["A", "B"]);
  });

  it("replaces everything it held on load", () => {
    const lot = new Lot();
    lot.set(makeSpot({ zone: "old" }));
    lot.load([makeSpot({ zone: "A", spot: "1" }), makeSpot({ zone: "A", spot: "2" })]);
    expect(lot.size).toBe(2);
    expect(lot.get("old", "1")).toBeUndefined();
    expect(lot.get("A", "2")?.spot).toBe("2");
  });

  it("lists zones and their spots as a person counts", () => {
    const lot = new Lot();
    for (const [zone, spot] of [
      ["Zone_10", "place_1"],
      ["Zone_2", "place_10"],
      ["Zone_2", "place_9"],
    ] as const) {
      lot.set(makeSpot({ zone, spot }));
    }
    expect(lot.zoneIds()).toEqual(["Zone_2", "Zone_10"]);
    expect(lot.zoneSpots("Zone_2").map((s) => s.spot)).toEqual(["place_9", "place_10"]);
    expect(lot.zoneSpots("nowhere")).toEqual([]);
  });

  it("keeps its order current as spots change, come and go", () => {
    const lot = new Lot();
    lot.set(makeSpot({ zone: "A", spot: "2", status: "free" }));
    lot.set(makeSpot({ zone: "A", spot: "3" }));
    const spots = () => lot.zoneSpots("A").map((s) => s.spot);
    expect(spots()).toEqual(["2", "3"]);
    // A replaced spot shows its new state in the kept order.
    lot.set(makeSpot({ zone: "A", spot: "2", status: "occupied" }));
    expect(lot.zoneSpots("A")[0]?.status).toBe("occupied");
    lot.set(makeSpot({ zone: "A", spot: "1" }));
    expect(spots()).toEqual(["1", "2", "3"]);
    lot.delete("A", "2");
    expect(spots()).toEqual(["1", "3"]);
    expect(lot.size).toBe(2);
    lot.delete("A", "1");
    lot.delete("A", "3");
    expect(lot.zoneIds()).toEqual([]);
    lot.set(makeSpot({ zone: "B", spot: "1" }));
    lot.load([makeSpot({ zone: "Z", spot: "9" })]);
    expect(lot.zoneIds()).toEqual(["Z"]);
    expect(lot.size).toBe(1);
  });

  it("gives a zone a new version whenever one of its spots is set or deleted, and only then", () => {
    const lot = new Lot();
    lot.set(makeSpot({ zone: "A", spot: "1" }));
    lot.set(makeSpot({ zone: "B", spot: "1" }));
    const a = lot.zoneVersion("A");
    const b = lot.zoneVersion("B");
    lot.set(makeSpot({ zone: "A", spot: "1", status: "occupied" }));
    expect(lot.zoneVersion("A")).not.toBe(a);
    expect(lot.zoneVersion("B")).toBe(b);
    const afterSet = lot.zoneVersion("A");
    lot.set(makeSpot({ zone: "A", spot: "2" }));
    lot.delete("A", "2");
    expect(lot.zoneVersion("A")).not.toBe(afterSet);
    expect(lot.zoneVersion("gone")).toBeUndefined();
    expect(lot.delete("gone", "1")).toBe(false);
  });
});
