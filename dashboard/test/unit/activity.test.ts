import { describe, expect, it } from "vitest";
import { type ActivityEntry, ActivityLog, entryFromChange, entryFromHistory } from "../../src/activity.js";
import { spot } from "./fixtures.js";

const entry = (n: number): ActivityEntry => ({
  time: n,
  zone: "Zone_A",
  spot: `place_${n}`,
  state: "free",
  previous: "occupied",
});

describe("activity log", () => {
  it("keeps the newest entries, newest first, and drops the oldest past its size", () => {
    const log = new ActivityLog(3);
    for (let n = 1; n <= 5; n++) log.push(entry(n));
    expect(log.size).toBe(3);
    expect(log.newest().map((e) => e.time)).toEqual([5, 4, 3]);
    expect(log.newest(2).map((e) => e.time)).toEqual([5, 4]);
  });

  it("starts again from a newest-first history, keeping only what fits", () => {
    const log = new ActivityLog(2);
    log.push(entry(99));
    log.replace([entry(30), entry(20), entry(10)]);
    expect(log.newest().map((e) => e.time)).toEqual([30, 20]);
    log.push(entry(40));
    expect(log.newest().map((e) => e.time)).toEqual([40, 30]);
  });

  it("is empty at first and with an empty history", () => {
    const log = new ActivityLog();
    expect(log.newest()).toEqual([]);
    log.replace([]);
    expect(log.size).toBe(0);
  });

  it("reads /api/history events", () => {
    expect(
      entryFromHistory({
        timestamp: "2026-01-11T10:00:00.000Z",
        zone: "Zone_B",
        spot: "place_2",
        state: "occupied",
        previous: null,
      }),
    ).toEqual({
      time: Date.parse("2026-01-11T10:00:00.000Z"),
      zone: "Zone_B",
      spot: "place_2",
      state: "occupied",
      previous: null,
    });
  });

  it("dates a live change by its last_change, else by now, and skips one that changed nothing", () => {
    const at = "2026-01-11T10:00:00.000Z";
    const change = { key: "Zone_A/p", spot: spot("Zone_A", "p", "occupied", at), previous: "free" as const };
    expect(entryFromChange(change, 5)?.time).toBe(Date.parse(at));
    expect(entryFromChange({ ...change, spot: spot("Zone_A", "p", "occupied", null) }, 5)?.time).toBe(5);
    expect(entryFromChange({ ...change, previous: "occupied" }, 5)).toBeNull();
  });
});
