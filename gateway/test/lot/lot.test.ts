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
});
