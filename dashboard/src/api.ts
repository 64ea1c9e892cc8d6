import type { Filter } from "./lot.js";
import { occupancyParams, type RangeKey } from "./series.js";
import type { Current, History, Hourly, Occupancy } from "./types.js";
import { type QueryValue, withQuery } from "./urls.js";

/** A failed request, with the one sentence the gateway gave (or what went wrong on the way). */
export class ApiError extends Error {
  override name = "ApiError";
}

async function getJson<T>(path: string, params?: Record<string, QueryValue>): Promise<T> {
  let response: Response;
  try {
    response = await fetch(withQuery(path, params), { headers: { accept: "application/json" } });
  } catch {
    throw new ApiError("no answer from the gateway");
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: unknown } | null;
    throw new ApiError(typeof body?.error === "string" ? body.error : `HTTP ${response.status}`);
  }
  return (await response.json()) as T;
}

export interface AlertSettings {
  thresholds: { high: number; critical: number };
}

/** The gateway's read API, typed with the shapes its routes declare. */
export const api = {
  current: () => getJson<Current>("/api/current"),
  history: ({ site, zone }: Filter, limit: number) => getJson<History>("/api/history", { site, zone, limit }),
  occupancy: (range: RangeKey, now: number, filter: Filter) =>
    getJson<Occupancy>("/api/occupancy", occupancyParams(range, now, filter)),
  hourly: ({ site, zone }: Filter) => getJson<Hourly>("/api/stats/hourly", { site, zone }),
  alerts: () => getJson<AlertSettings>("/api/alerts", { limit: 1 }),
};
