import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { countSpots, summarize } from "../../src/lot/summary.js";
import type { Spot } from "../../src/lot/types.js";
import { deepFreeze, lotArb, makeSpot } from "./fixtures.js";

function spots(zone: string, states: string): Spot[] {
  // One letter per spot: f free, o occupied, u unknown, x offline (last said free).
  return deepFreeze(
    [...states].map((c, i) =>
      makeSpot({
        zone,
        spot: `${zone}${i}`,
        status: c === "o" ? "occupied" : c === "u" ? "unknown" : "free",
        online: c !== "x",
      }),
    ),
  );
}

describe("countSpots", () => {
  it("counts nothing for an empty lot", () => {
    expect(countSpots([])).toEqual({
      lot: { total: 0, free: 0, occupied: 0, offline: 0, unknown: 0, occupancyRate: 0 },
      zones: {},
    });
  });

  it("counts offline and unknown spots apart, never as free", () => {
    const result = countSpots([...spots("A", "ffoxxu"), ...spots("B", "oou")]);
    expect(result.zones.A).toEqual({
      total: 6,
      free: 2,
      occupied: 1,
      offline: 2,
      unknown: 1,
      occupancyRate: 33.3,
    });
    expect(result.zones.B).toEqual({
      total: 3,
      free: 0,
      occupied: 2,
      offline: 0,
      unknown: 1,
      occupancyRate: 100,
    });
    expect(result.lot).toEqual({ total: 9, free: 2, occupied: 3, offline: 2, unknown: 2, occupancyRate: 60 });
  });

  it("counts an offline spot as offline whatever it last reported", () => {
    const result = countSpots([makeSpot({ status: "occupied", online: false })]);
    expect(result.lot).toMatchObject({ occupied: 0, offline: 1, occupancyRate: 0 });
  });

  it.each([
    [1, 1, 50],
    [1, 2, 33.3],
    [2, 1, 66.7],
    [1, 7, 12.5],
    [1, 15, 6.3],
    [15, 1, 93.8],
    [1, 99, 1],
    [1, 1999, 0.1],
    [1, 2001, 0],
  ])("rounds %i occupied and %i free to %s%%", (occupied, free, rate) => {
    const states = `${"o".repeat(occupied)}${"f".repeat(free)}xu`;
    expect(countSpots(spots("A", states)).lot.occupancyRate).toBe(rate);
  });

  it("gives a zone with nothing free or occupied a rate of 0", () => {
    expect(countSpots(spots("A", "xxuu")).zones.A?.occupancyRate).toBe(0);
  });

  it("lists zones in id order, whatever order the spots come in", () => {
    expect(
      Object.keys(countSpots([...spots("b", "f"), ...spots("B", "f"), ...spots("A", "f")]).zones),
    ).toEqual(["A", "B", "b"]);
  });

  it("keeps zone ids that name object internals as plain zones", () => {
    const result = countSpots([...spots("__proto__", "o"), ...spots("constructor", "f")]);
    expect(Object.keys(result.zones)).toEqual(["__proto__", "constructor"]);
    expect(Object.getPrototypeOf(result.zones)).toBe(Object.prototype);
    expect(Object.entries(result.zones)[0]).toEqual(["__proto__", expect.objectContaining({ occupied: 1 })]);
  });

  it("always adds up, for the lot and for each zone", () => {
    fc.assert(
      fc.property(lotArb, (lot) => {
        const result = countSpots(lot);
        expect(result.lot.total).toBe(lot.length);
        const zones = Object.values(result.zones);
        for (const c of [result.lot, ...zones]) {
          expect(c.free + c.occupied + c.offline + c.unknown).toBe(c.total);
        }
        for (const key of ["total", "free", "occupied", "offline", "unknown"] as const) {
          expect(zones.reduce((sum, c) => sum + c[key], 0)).toBe(result.lot[key]);
        }
      }),
    );
  });

  it("always has rates within 0 to 100, in steps of 0.1", () => {
    fc.assert(
      fc.property(lotArb, (lot) => {
        const result = countSpots(lot);
        for (const c of [result.lot, ...Object.values(result.zones)]) {
          expect(c.occupancyRate).toBeGreaterThanOrEqual(0);
          expect(c.occupancyRate).toBeLessThanOrEqual(100);
          expect(Math.round(c.occupancyRate * 10) / 10).toBe(c.occupancyRate);
        }
      }),
    );
  });
});

describe("summarize", () => {
  it("combines the counts with the alert levels, normal where a zone has none", () => {
    const summary = summarize(
      countSpots([...spots("B", "oooof"), ...spots("A", "ffx")]),
      { lot: "high", zones: { B: "critical" } },
      9_000,
    );
    expect(summary).toEqual({
      timestamp: 9_000,
      total: 8,
      free: 3,
      occupied: 4,
      offline: 1,
      unknown: 0,
      occupancyRate: 57.1,
      level: "high",
      zones: {
        A: { total: 3, free: 2, occupied: 0, offline: 1, unknown: 0, occupancyRate: 0, level: "normal" },
        B: { total: 5, free: 1, occupied: 4, offline: 0, unknown: 0, occupancyRate: 80, level: "critical" },
      },
    });
    expect(Object.keys(summary.zones)).toEqual(["A", "B"]);
  });
});
