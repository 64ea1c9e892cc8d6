import type { Filter } from "./lot.js";
import type { Hourly, Occupancy } from "./types.js";

/** Columnar, as uPlot takes it: x in epoch ms (or hour of day), null breaks the line. */
export interface Series {
  x: number[];
  y: Array<number | null>;
}

export type RangeKey = "30m" | "24h" | "7d" | "30d";

export interface ChartRange {
  spanMs: number;
  /** Bucket width in seconds; undefined lets the gateway pick (its sample interval). */
  step: number | undefined;
  /** Extended from the live stream between fetches. */
  live: boolean;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const RANGES: Record<RangeKey, ChartRange> = {
  "30m": { spanMs: 30 * MINUTE, step: undefined, live: true },
  "24h": { spanMs: DAY, step: 300, live: false },
  "7d": { spanMs: 7 * DAY, step: 1800, live: false },
  "30d": { spanMs: 30 * DAY, step: 7200, live: false },
};

/** Live points closer together than this replace the newest one instead of adding another. */
export const LIVE_POINT_GAP_MS = 5000;

export function occupancyParams(range: RangeKey, now: number, { site, zone }: Filter) {
  const { spanMs, step } = RANGES[range];
  return {
    from: new Date(now - spanMs).toISOString(),
    to: new Date(now).toISOString(),
    step,
    site,
    zone,
  };
}

/** The gateway leaves empty buckets out; a null where one is missing shows the gap instead of bridging it. */
export function seriesFromOccupancy(o: Occupancy): Series {
  const series: Series = { x: [], y: [] };
  const maxGap = 1.5 * o.step * 1000;
  o.timestamps.forEach((t, i) => {
    const last = series.x[series.x.length - 1];
    if (last !== undefined && t - last > maxGap) {
      series.x.push(last + o.step * 1000);
      series.y.push(null);
    }
    series.x.push(t);
    series.y.push(o.occupancy_rate[i] ?? null);
  });
  return series;
}

/**
 * Adds a live value at time `t` and drops what fell out of the window. Summaries come up to four
 * times a second: within LIVE_POINT_GAP_MS of the newest point the value replaces it, so the
 * series stays a few hundred points long.
 */
export function appendLive(series: Series, t: number, value: number, windowMs: number): void {
  const n = series.x.length;
  const last = series.x[n - 1];
  if (last !== undefined && t < last) return;
  if (last !== undefined && t - last < LIVE_POINT_GAP_MS) {
    series.y[n - 1] = value;
  } else {
    series.x.push(t);
    series.y.push(value);
  }
  let drop = 0;
  while (drop < series.x.length && (series.x[drop] as number) < t - windowMs) drop++;
  if (drop > 0) {
    series.x.splice(0, drop);
    series.y.splice(0, drop);
  }
}

/** Hours 0–23; an hour without samples is null, not zero. */
export function hourlySeries(h: Hourly): Series {
  const x = Array.from({ length: 24 }, (_, hour) => hour);
  const y: Array<number | null> = x.map(() => null);
  for (const s of h.statistics) if (s.hour >= 0 && s.hour < 24 && s.samples > 0) y[s.hour] = s.avg_occupancy;
  return { x, y };
}

/** The busiest hour, for the chart's text alternative; null without data. */
export function peakHour(series: Series): { hour: number; value: number } | null {
  let peak: { hour: number; value: number } | null = null;
  series.y.forEach((value, i) => {
    if (value !== null && (peak === null || value > peak.value))
      peak = { hour: series.x[i] as number, value };
  });
  return peak;
}

/** The newest value that is not a gap; null for an empty series. */
export function lastValue(series: Series): number | null {
  for (let i = series.y.length - 1; i >= 0; i--) {
    const v = series.y[i];
    if (v !== null && v !== undefined) return v;
  }
  return null;
}
