import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AlertLevel } from "../../../protocol/src/types.js";
import {
  type AlertThresholds,
  alertState,
  DEFAULT_THRESHOLDS,
  evaluateAlerts,
  INITIAL_LEVELS,
  nextLevel,
  validateThresholds,
  zoneLevel,
} from "../../src/lot/alerts.js";
import type { Counts, LotCounts } from "../../src/lot/summary.js";
import { LOT_SCOPE } from "../../src/lot/types.js";
import { deepFreeze } from "./fixtures.js";

const t = DEFAULT_THRESHOLDS;

describe("validateThresholds", () => {
  it("accepts the defaults and the extremes of the allowed ranges", () => {
    expect(validateThresholds(DEFAULT_THRESHOLDS)).toBeNull();
    expect(validateThresholds({ high: 0.1, critical: 100, hysteresis: 0 })).toBeNull();
    expect(validateThresholds({ high: 50, critical: 51, hysteresis: 49.9 })).toBeNull();
  });

  it.each<[string, AlertThresholds, RegExp]>([
    ["high at 0", { high: 0, critical: 85, hysteresis: 0 }, /0 < high < critical ≤ 100/],
    ["high equal to critical", { high: 85, critical: 85, hysteresis: 5 }, /got high 85, critical 85/],
    ["high above critical", { high: 90, critical: 85, hysteresis: 5 }, /high < critical/],
    ["critical above 100", { high: 70, critical: 100.5, hysteresis: 5 }, /critical ≤ 100/],
    ["negative hysteresis", { high: 70, critical: 85, hysteresis: -1 }, /hysteresis.*got -1/],
    ["hysteresis equal to high", { high: 70, critical: 85, hysteresis: 70 }, /below the high threshold 70/],
    ["a missing number", { high: Number.NaN, critical: 85, hysteresis: 5 }, /to numbers/],
  ])("rejects %s with one sentence", (_, thresholds, message) => {
    const error = validateThresholds(thresholds);
    expect(error).toMatch(message);
    expect(error).toMatch(/^Set .*\.$/);
  });
});

describe("nextLevel with the default 70 / 85 and 5 points of hysteresis", () => {
  it.each<[AlertLevel, number, AlertLevel]>([
    ["normal", 0, "normal"],
    ["normal", 69.9, "normal"],
    ["normal", 70, "high"],
    ["normal", 84.9, "high"],
    ["normal", 85, "critical"],
    ["normal", 100, "critical"],
    ["high", 85, "critical"],
    ["high", 84.9, "high"],
    ["high", 70, "high"],
    ["high", 66, "high"],
    ["high", 65, "high"],
    ["high", 64.9, "normal"],
    ["high", 0, "normal"],
    ["critical", 100, "critical"],
    ["critical", 85, "critical"],
    ["critical", 80, "critical"],
    ["critical", 79.9, "high"],
    ["critical", 78, "high"],
    ["critical", 70, "high"],
    ["critical", 66, "high"],
    ["critical", 65, "high"],
    ["critical", 64.9, "normal"],
    ["critical", 64, "normal"],
  ])("from %s at %s%% is %s", (prev, rate, expected) => {
    expect(nextLevel(prev, rate, t)).toBe(expected);
  });

  it("flips at the thresholds themselves when there is no hysteresis", () => {
    const sharp = { high: 70, critical: 85, hysteresis: 0 };
    expect(nextLevel("critical", 84.9, sharp)).toBe("high");
    expect(nextLevel("high", 69.9, sharp)).toBe("normal");
  });
});

describe("nextLevel over any sequence of rates", () => {
  const thresholdsArb = fc
    .record({ high: fc.integer({ min: 1, max: 99 }), span: fc.integer({ min: 1, max: 99 }), h: fc.nat(99) })
    .map(({ high, span, h }) => ({
      high,
      critical: Math.min(100, high + span),
      hysteresis: h % high,
    }));
  // Whole numbers land exactly on the (whole) thresholds and clear points.
  const rateArb = fc.oneof(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 100, noNaN: true }));
  const ratesArb = fc.array(rateArb, { minLength: 1, maxLength: 50 });

  it("is bounded by the thresholds, holds within the hysteresis band and rises only at a threshold", () => {
    fc.assert(
      fc.property(thresholdsArb, ratesArb, (th, rates) => {
        expect(validateThresholds(th)).toBeNull();
        let prev: AlertLevel = "normal";
        for (const rate of rates) {
          const level = nextLevel(prev, rate, th);
          if (rate >= th.critical) expect(level).toBe("critical");
          if (rate >= th.high) expect(level).not.toBe("normal");
          if (rate < th.critical - th.hysteresis) expect(level).not.toBe("critical");
          if (rate < th.high - th.hysteresis) expect(level).toBe("normal");
          if (prev === "critical" && rate >= th.critical - th.hysteresis) expect(level).toBe("critical");
          if (prev !== "normal" && rate >= th.high - th.hysteresis) expect(level).not.toBe("normal");
          if (level === "critical" && prev !== "critical") expect(rate).toBeGreaterThanOrEqual(th.critical);
          if (level === "high" && prev === "normal") expect(rate).toBeGreaterThanOrEqual(th.high);
          prev = level;
        }
      }),
    );
  });
});

function counts(rate: number): Counts {
  return {
    total: 10,
    free: 10 - rate / 10,
    occupied: rate / 10,
    offline: 0,
    unknown: 0,
    occupancyRate: rate,
  };
}

function lotCounts(lot: number, zones: Record<string, number>): LotCounts {
  return deepFreeze({
    lot: counts(lot),
    zones: Object.fromEntries(Object.entries(zones).map(([zone, rate]) => [zone, counts(rate)])),
  });
}

describe("evaluateAlerts", () => {
  it("raises every scope past a threshold, lot first, with one event each", () => {
    const result = evaluateAlerts(INITIAL_LEVELS, lotCounts(70, { A: 90, B: 50, C: 70 }), t, 9_000);
    expect(result.levels).toEqual({ lot: "high", zones: { A: "critical", B: "normal", C: "high" } });
    expect(result.events).toEqual([
      { ts: 9_000, scope: LOT_SCOPE, level: "high", previous: "normal", occupancyRate: 70 },
      { ts: 9_000, scope: "A", level: "critical", previous: "normal", occupancyRate: 90 },
      { ts: 9_000, scope: "C", level: "high", previous: "normal", occupancyRate: 70 },
    ]);
  });

  it("stays quiet when nothing crosses a clear point", () => {
    const prev = deepFreeze({ lot: "high" as const, zones: { A: "critical" as const, B: "high" as const } });
    const result = evaluateAlerts(prev, lotCounts(66, { A: 80, B: 65 }), t, 9_000);
    expect(result).toEqual({ levels: prev, events: [] });
  });

  it("clears a level once the rate falls below its clear point", () => {
    const prev = deepFreeze({ lot: "critical" as const, zones: { A: "high" as const } });
    const result = evaluateAlerts(prev, lotCounts(79, { A: 60 }), t, 9_000);
    expect(result.levels).toEqual({ lot: "high", zones: { A: "normal" } });
    expect(result.events.map((e) => [e.scope, e.previous, e.level])).toEqual([
      [LOT_SCOPE, "critical", "high"],
      ["A", "high", "normal"],
    ]);
  });

  it("drops zones no longer counted and treats odd zone ids as plain ids", () => {
    const prev = deepFreeze({ lot: "normal" as const, zones: { gone: "critical" as const } });
    const result = evaluateAlerts(prev, lotCounts(0, { constructor: 0, toString: 75 }), t, 9_000);
    expect(result.levels.zones).toEqual({ constructor: "normal", toString: "high" });
    expect(result.events.map((e) => e.scope)).toEqual(["toString"]);
  });
});

describe("zoneLevel", () => {
  it("is normal for a zone without a level", () => {
    expect(zoneLevel(INITIAL_LEVELS, "A")).toBe("normal");
    expect(zoneLevel(INITIAL_LEVELS, "constructor")).toBe("normal");
    expect(zoneLevel({ lot: "normal", zones: { A: "high" } }, "A")).toBe("high");
  });
});

describe("alertState", () => {
  it("carries each counted zone's level and rate", () => {
    const levels = { lot: "high" as const, zones: { A: "critical" as const } };
    expect(alertState(levels, lotCounts(72.5, { A: 90, B: 10 }), 9_000)).toEqual({
      timestamp: 9_000,
      level: "high",
      occupancyRate: 72.5,
      zones: { A: { level: "critical", occupancyRate: 90 }, B: { level: "normal", occupancyRate: 10 } },
    });
  });
});
