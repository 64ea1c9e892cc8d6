import { describe, expect, it } from "vitest";
import { decode } from "../src/decode.js";
import { encodeAlerts, encodeReport, encodeSummary } from "../src/encode.js";
import type { AlertState, LotSummary, OccupancyCounts, SpotReport } from "../src/types.js";

const FULL: SpotReport = {
  status: "occupied",
  confidence: 0.9,
  distanceCm: 35.2,
  ts: 1768145400123,
  seq: 12,
  reason: "change",
  fw: "1.0.0",
  rssi: -70,
  batteryV: 4.1,
  uptimeS: 120,
};

describe("encodeReport", () => {
  it("writes contract names in contract order", () => {
    expect(encodeReport(FULL)).toBe(
      '{"status":"occupied","confidence":0.9,"distance_cm":35.2,"ts":1768145400123,"seq":12,' +
        '"reason":"change","fw":"1.0.0","rssi":-70,"battery_v":4.1,"uptime_s":120}',
    );
  });

  it("omits absent fields", () => {
    expect(encodeReport({ status: "free", confidence: 1 })).toBe('{"status":"free","confidence":1}');
  });

  it("puts extra fields first for the serial fallback, and decodes back", () => {
    const line = encodeReport({ status: "free", confidence: 0.8 }, { zone: "Zone_A", spot: "place_1" });
    expect(line).toBe('{"zone":"Zone_A","spot":"place_1","status":"free","confidence":0.8}');
    expect(decode("parking", "parking/Zone_A/place_1", line)).toMatchObject({ kind: "report" });
  });

  it("never lets extra override a report field", () => {
    expect(JSON.parse(encodeReport({ status: "free", confidence: 1 }, { status: "occupied" })).status).toBe(
      "free",
    );
  });

  it("round-trips a full report through decode", () => {
    expect(decode("parking", "parking/A/1", encodeReport(FULL))).toEqual({
      kind: "report",
      zone: "A",
      spot: "1",
      report: FULL,
    });
  });
});

const counts = (over: Partial<OccupancyCounts>): OccupancyCounts => ({
  total: 0,
  free: 0,
  occupied: 0,
  offline: 0,
  unknown: 0,
  occupancyRate: 0,
  level: "normal",
  ...over,
});

describe("encodeSummary", () => {
  const summary = (zones: Record<string, OccupancyCounts>): LotSummary => ({
    ...counts({ total: 10, free: 2, occupied: 6, offline: 1, unknown: 1, occupancyRate: 75, level: "high" }),
    timestamp: Date.UTC(2026, 0, 11, 15, 30),
    zones,
  });

  it("carries both the original and the v1 names", () => {
    const zones = { Zone_A: counts({ total: 4, free: 1, occupied: 3, occupancyRate: 75, level: "high" }) };
    expect(JSON.parse(encodeSummary(summary(zones)))).toEqual({
      total_places: 10,
      free: 2,
      occupied: 6,
      occupancy_rate: 75,
      timestamp: "2026-01-11T15:30:00.000Z",
      total: 10,
      offline: 1,
      unknown: 1,
      level: "high",
      zones: {
        Zone_A: { total: 4, free: 1, occupied: 3, offline: 0, unknown: 0, occupancy_rate: 75, level: "high" },
      },
    });
  });

  it("keeps a zone named __proto__, which is a valid id", () => {
    const zones: Record<string, OccupancyCounts> = {};
    Object.defineProperty(zones, "__proto__", { value: counts({ total: 6 }), enumerable: true });
    expect(encodeSummary(summary(zones))).toContain('"zones":{"__proto__":{"total":6,');
  });
});

describe("encodeAlerts", () => {
  it("writes level and rate per zone", () => {
    const state: AlertState = {
      timestamp: Date.UTC(2026, 0, 11, 15, 30, 0, 5),
      level: "critical",
      occupancyRate: 90.5,
      zones: {
        Zone_A: { level: "critical", occupancyRate: 90.5 },
        Zone_B: { level: "normal", occupancyRate: 0 },
      },
    };
    expect(JSON.parse(encodeAlerts(state))).toEqual({
      timestamp: "2026-01-11T15:30:00.005Z",
      level: "critical",
      occupancy_rate: 90.5,
      zones: {
        Zone_A: { level: "critical", occupancy_rate: 90.5 },
        Zone_B: { level: "normal", occupancy_rate: 0 },
      },
    });
  });
});
