import { describe, expect, it } from "vitest";
import {
  appendLive,
  hourlySeries,
  LIVE_POINT_GAP_MS,
  lastValue,
  occupancyParams,
  peakHour,
  RANGES,
  seriesFromOccupancy,
} from "../../src/series.js";

describe("occupancy series", () => {
  it("asks the gateway for the range ending now, with the range's step, the site and the zone", () => {
    const now = Date.parse("2026-01-11T10:00:00.000Z");
    expect(occupancyParams("24h", now, { site: null, zone: "Zone_A" })).toEqual({
      from: "2026-01-10T10:00:00.000Z",
      to: "2026-01-11T10:00:00.000Z",
      step: 300,
      site: null,
      zone: "Zone_A",
    });
    expect(occupancyParams("30m", now, { site: "north", zone: null })).toMatchObject({
      step: undefined,
      site: "north",
      zone: null,
    });
  });

  it("keeps every range under the gateway's 1000 points", () => {
    for (const range of Object.values(RANGES)) {
      if (range.step !== undefined) expect(range.spanMs / (range.step * 1000)).toBeLessThanOrEqual(1000);
    }
  });

  it("breaks the line where buckets are missing instead of bridging the gap", () => {
    const s = seriesFromOccupancy({
      step: 30,
      timestamps: [0, 30_000, 150_000],
      occupancy_rate: [10, 20, 30],
    });
    expect(s.x).toEqual([0, 30_000, 60_000, 150_000]);
    expect(s.y).toEqual([10, 20, null, 30]);
  });

  it("adds live points at most every few seconds, replacing the newest in between", () => {
    const s = { x: [0], y: [10] as Array<number | null> };
    appendLive(s, LIVE_POINT_GAP_MS, 20, 60_000);
    appendLive(s, LIVE_POINT_GAP_MS + 1000, 25, 60_000);
    expect(s.x).toEqual([0, LIVE_POINT_GAP_MS]);
    expect(s.y).toEqual([10, 25]);
  });

  it("drops points older than the window and ignores a time before the newest point", () => {
    const s = { x: [0, 10_000], y: [1, 2] as Array<number | null> };
    appendLive(s, 65_000, 3, 60_000);
    expect(s.x).toEqual([10_000, 65_000]);
    appendLive(s, 20_000, 9, 60_000);
    expect(s.y).toEqual([2, 3]);
  });

  it("finds the newest value that is not a gap", () => {
    expect(lastValue({ x: [1, 2, 3], y: [5, 7, null] })).toBe(7);
    expect(lastValue({ x: [], y: [] })).toBeNull();
  });
});

describe("hourly series", () => {
  it("has 24 hours, null where there were no samples", () => {
    const s = hourlySeries({
      statistics: [
        { hour: 8, avg_occupancy: 64.5, samples: 12 },
        { hour: 9, avg_occupancy: 0, samples: 0 },
      ],
    });
    expect(s.x).toHaveLength(24);
    expect(s.y[8]).toBe(64.5);
    expect(s.y[9]).toBeNull();
    expect(s.y[10]).toBeNull();
  });

  it("names the busiest hour, or none without data", () => {
    expect(peakHour({ x: [0, 1, 2], y: [10, null, 40] })).toEqual({ hour: 2, value: 40 });
    expect(peakHour({ x: [0], y: [null] })).toBeNull();
  });
});
