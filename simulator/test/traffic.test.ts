import { describe, expect, it } from "vitest";
import { type DemandProfile, PROFILES, parseProfileCsv } from "../src/profiles.js";
import { Random } from "../src/random.js";
import { type TrafficEvent, TrafficModel, VEHICLE_MIX, type VehicleKind } from "../src/traffic.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Local midnight of a weekday without a daylight-saving change in either hemisphere. */
const MIDNIGHT = new Date(2025, 5, 11).getTime();

function constant(arrivalsPerSpotHour: number, medianDwellMin: number, dwellSigma = 0.8): DemandProfile {
  return {
    name: "constant",
    arrivalsPerSpotHour: new Array<number>(24).fill(arrivalsPerSpotHour),
    medianDwellMin: new Array<number>(24).fill(medianDwellMin),
    dwellSigma,
  };
}

function model(
  profile: DemandProfile,
  spots: number | number[],
  seed = 1,
  startMs = MIDNIGHT,
  zoneWeights?: number[],
) {
  const sizes = typeof spots === "number" ? [spots] : spots;
  const zones = sizes.map((size, i) => ({ zone: `Zone_${i}`, spots: size }));
  return new TrafficModel(
    { zones },
    zoneWeights ? { profile, zoneWeights } : { profile },
    new Random(seed),
    startMs,
  );
}

/** Occupancy share sampled every 10 simulated minutes for one day from local midnight, by local hour. */
function occupancyByHour(profile: DemandProfile, spots = 200, seed = 1): number[] {
  const traffic = model(profile, spots, seed);
  const samples: number[][] = Array.from({ length: 24 }, () => []);
  for (let t = MIDNIGHT; t < MIDNIGHT + DAY; t += 10 * MINUTE) {
    traffic.advance(t);
    samples[new Date(t).getHours()]?.push(traffic.occupiedCount / spots);
  }
  return samples.map((s) => s.reduce((a, b) => a + b, 0) / s.length);
}

function mean(values: number[], from: number, to: number): number {
  const slice = values.slice(from, to);
  return slice.reduce((a, b) => a + b, 0) / slice.length;
}

function events(seed: number, step: number): TrafficEvent[] {
  const traffic = model(PROFILES.office, 200, seed);
  const all: TrafficEvent[] = [];
  for (let t = MIDNIGHT + step; t <= MIDNIGHT + DAY; t += step) all.push(...traffic.advance(t));
  return all;
}

describe("TrafficModel", () => {
  it("is reproducible: same seed, same events, however advance is sliced", () => {
    const run = events(42, 10 * MINUTE);
    expect(run.length).toBeGreaterThan(200);
    expect(events(42, 10 * MINUTE)).toEqual(run);
    expect(events(42, DAY)).toEqual(run);
    expect(events(43, 10 * MINUTE)).not.toEqual(run);
  });

  it("office: full in working hours, near empty at night", () => {
    const hours = occupancyByHour(PROFILES.office);
    const day = mean(hours, 10, 16);
    const night = mean(hours, 0, 5);
    expect(day).toBeGreaterThanOrEqual(0.7);
    expect(night).toBeLessThan(0.1);
    expect(day).toBeGreaterThanOrEqual(4 * night);
  });

  it("residential: full at night, emptier at mid-day", () => {
    const hours = occupancyByHour(PROFILES.residential);
    const night = mean(hours, 0, 5);
    expect(night).toBeGreaterThanOrEqual(0.75);
    expect(mean(hours, 10, 16)).toBeLessThan(0.6 * night);
  });

  it("shopping: empty at 03:00, busy mid-afternoon", () => {
    const hours = occupancyByHour(PROFILES.shopping);
    expect(hours[3]).toBeLessThan(0.05);
    expect(mean(hours, 14, 17)).toBeGreaterThanOrEqual(0.7);
  });

  it("starts warmed up: an office at 11:00 is already busy", () => {
    const traffic = model(PROFILES.office, 200, 3, new Date(2025, 5, 11, 11).getTime());
    expect(traffic.occupiedCount / traffic.spotCount).toBeGreaterThanOrEqual(0.7);
    expect([traffic.arrivals, traffic.departures, traffic.turnedAway]).toEqual([0, 0, 0]);
  });

  it("turns cars away when full and never double-parks or frees an empty spot", () => {
    const rows = Array.from({ length: 24 }, (_, h) => `${h},${h < 6 ? 0 : 3},120`);
    const heavy = parseProfileCsv(rows.join("\n"), "heavy.csv");
    if (typeof heavy === "string") throw new Error(heavy);
    const traffic = model(heavy, [4, 6], 5);
    const truth: Array<VehicleKind | null> = Array.from({ length: 10 }, (_, i) => traffic.vehicleAt(i));
    let previousCall = MIDNIGHT;
    let last = MIDNIGHT;
    let arrivals = 0;
    let departures = 0;
    for (let t = MIDNIGHT + 7 * MINUTE; t <= MIDNIGHT + 3 * DAY; t += 7 * MINUTE) {
      for (const event of traffic.advance(t)) {
        expect(event.at).toBeGreaterThan(previousCall);
        expect(event.at).toBeLessThanOrEqual(t);
        expect(event.at).toBeGreaterThanOrEqual(last);
        if (event.kind === "arrival") {
          expect(truth[event.spot]).toBeNull();
          truth[event.spot] = event.vehicle;
          arrivals += 1;
        } else {
          expect(truth[event.spot]).toBe(event.vehicle);
          truth[event.spot] = null;
          departures += 1;
        }
        last = event.at;
      }
      previousCall = t;
      expect(truth.map((_, i) => traffic.vehicleAt(i))).toEqual(truth);
      const occupied = traffic.zoneOccupied();
      expect(occupied[0]).toBeLessThanOrEqual(4);
      expect(occupied[1]).toBeLessThanOrEqual(6);
      expect((occupied[0] ?? 0) + (occupied[1] ?? 0)).toBe(traffic.occupiedCount);
      expect(traffic.occupiedCount).toBe(truth.filter((v) => v !== null).length);
    }
    expect(traffic.turnedAway).toBeGreaterThan(0);
    expect([traffic.arrivals, traffic.departures]).toEqual([arrivals, departures]);
  });

  it("tells a scheduler when the next event is, and nothing happens before it", () => {
    const traffic = model(PROFILES.shopping, 50, 9);
    let t = new Date(2025, 5, 11, 12).getTime();
    traffic.advance(t);
    for (let i = 0; i < 50; i++) {
      const next = traffic.nextEventAt();
      expect(next).toBeGreaterThan(t);
      expect(traffic.advance((t + next) / 2)).toEqual([]);
      for (const event of traffic.advance(next)) expect(event.at).toBe(next);
      t = next;
    }
    expect(model(constant(0, 60), 10).nextEventAt()).toBe(Number.POSITIVE_INFINITY);
  });

  it("follows the hourly rate, including hours with none", () => {
    const profile = constant(0, 30);
    profile.arrivalsPerSpotHour[3] = 0.5;
    const traffic = model(profile, 100, 11);
    const arrivals = traffic.advance(MIDNIGHT + 2 * DAY).filter((e) => e.kind === "arrival");
    expect(arrivals.every((e) => new Date(e.at).getHours() === 3)).toBe(true);
    // 50 expected per day, a standard deviation of about 7.
    expect(arrivals.length).toBeGreaterThan(70);
    expect(arrivals.length).toBeLessThan(130);
  });

  it("draws dwell times around the profile's median and vehicles from the mix", () => {
    const traffic = model(constant(0.05, 120), 1000, 13);
    const arrivedAt = new Map<number, number>();
    const dwell: number[] = [];
    const kinds = new Map<VehicleKind, number>();
    for (const event of traffic.advance(MIDNIGHT + 4 * DAY)) {
      if (event.kind === "arrival") {
        arrivedAt.set(event.spot, event.at);
        kinds.set(event.vehicle, (kinds.get(event.vehicle) ?? 0) + 1);
      } else {
        const at = arrivedAt.get(event.spot);
        if (at !== undefined) dwell.push(event.at - at);
        arrivedAt.delete(event.spot);
      }
    }
    // Cars still parked at the end count as the longest stays, so the median is not cut short.
    for (let i = 0; i < arrivedAt.size; i++) dwell.push(Number.POSITIVE_INFINITY);
    dwell.sort((a, b) => a - b);
    const median = (dwell[Math.floor(dwell.length / 2)] ?? 0) / MINUTE;
    expect(median).toBeGreaterThan(108);
    expect(median).toBeLessThan(132);
    // 1000 spots × 0.05 an hour × 96 h ≈ 4800 cars.
    expect(traffic.arrivals).toBeGreaterThan(4400);
    expect(traffic.arrivals).toBeLessThan(5200);
    for (const { kind, share } of VEHICLE_MIX) {
      expect(Math.abs((kinds.get(kind) ?? 0) / traffic.arrivals - share)).toBeLessThan(0.03);
    }
  });

  it("prefers the heavier zone and spreads by size by default", () => {
    const occupancy = (zoneWeights?: number[]) => {
      const traffic = model(constant(0.36, 60), [50, 50], 17, MIDNIGHT, zoneWeights);
      const sums = [0, 0];
      let samples = 0;
      for (let t = MIDNIGHT; t < MIDNIGHT + DAY; t += 10 * MINUTE) {
        traffic.advance(t);
        const [a = 0, b = 0] = traffic.zoneOccupied();
        sums[0] = (sums[0] ?? 0) + a / 50;
        sums[1] = (sums[1] ?? 0) + b / 50;
        samples += 1;
      }
      return sums.map((s) => s / samples);
    };
    const [preferred = 0, other = 0] = occupancy([10, 1]);
    expect(preferred).toBeGreaterThan(0.75);
    expect(other).toBeLessThan(0.35);
    const [a = 0, b = 0] = occupancy();
    expect(Math.abs(a - b)).toBeLessThan(0.1);
    expect(() => model(constant(0.1, 60), [5, 5], 1, MIDNIGHT, [1])).toThrow(RangeError);
  });

  it("runs 10,000 spots through a day", () => {
    const traffic = model(PROFILES.office, 10_000, 19);
    let events = 0;
    for (let t = MIDNIGHT + HOUR; t <= MIDNIGHT + DAY; t += HOUR) {
      events += traffic.advance(t).length;
      if (new Date(t).getHours() === 11) expect(traffic.occupiedCount).toBeGreaterThan(7_000);
    }
    expect(events).toBeGreaterThan(20_000);
  });
});
