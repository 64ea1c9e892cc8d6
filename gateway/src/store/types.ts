import type { AlertEvent, ChangeEvent, OccupancySample, Spot } from "../lot/types.js";

/** Everything one ingest batch must make durable, in one transaction. */
export interface WriteBatch {
  /** Upserts by (zone, spot): the spot's state after the batch. */
  spots: Spot[];
  events: ChangeEvent[];
  alerts: AlertEvent[];
  samples: OccupancySample[];
}

export interface StoredChangeEvent extends ChangeEvent {
  id: number;
}

export interface StoredAlertEvent extends AlertEvent {
  id: number;
}

export interface TimeRange {
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
}

/**
 * Only the zones of one site of a central gateway (`--site-topics`), whose zone ids are
 * `<site>/<zone>`; with `zone` too, the zone must be one of the site's.
 */
export interface SiteFilter {
  site?: string;
}

export interface HistoryQuery extends TimeRange, SiteFilter {
  zone?: string;
  spot?: string;
  /** 1..10 000. */
  limit: number;
  /** Opaque, from a previous page's nextCursor. */
  cursor?: string;
}

export interface HistoryPage {
  /** Newest first. */
  events: StoredChangeEvent[];
  /** Null on the last page. */
  nextCursor: string | null;
}

export interface HourlyStat {
  /** Hour of day 0..23, gateway-local time. */
  hour: number;
  /** Mean occupancy rate (percent) of the samples in that hour of day. */
  avgOccupancy: number;
  samples: number;
}

export interface ZoneStat {
  zone: string;
  occupiedEvents: number;
  freeEvents: number;
  offlineEvents: number;
  unknownEvents: number;
  totalEvents: number;
  /** Epoch ms of the zone's latest event in the range, null if none. */
  lastEvent: number | null;
}

/** Columnar occupancy series for charts: every array has the same length. */
export interface OccupancySeries {
  /** Bucket start, epoch ms. */
  ts: number[];
  occupancyRate: number[];
  free: number[];
  occupied: number[];
  offline: number[];
  unknown: number[];
}

export interface PruneResult {
  events: number;
  samples: number;
  alerts: number;
}

/**
 * The one place every query lives, so SQLite and PostgreSQL dialects share it.
 * Every method may reject; writers retry, readers report.
 */
export interface Store {
  /** Which engine, for /api/health and logs. */
  readonly engine: "sqlite" | "postgres";
  /** Runs pending migrations (Kysely Migrator). */
  migrate(): Promise<void>;
  /** Every known spot, to rebuild the lot after a restart. */
  loadSpots(): Promise<Spot[]>;
  /** One transaction: all of it is stored, or none of it. */
  commit(batch: WriteBatch): Promise<void>;
  history(query: HistoryQuery): Promise<HistoryPage>;
  /**
   * Occupancy samples grouped by hour of day (gateway-local), for one scope (default the lot), or
   * with `site` for the site's zones combined per sample time (scope is then ignored).
   */
  hourlyStats(query: TimeRange & SiteFilter & { scope?: string }): Promise<HourlyStat[]>;
  /** Event counts per zone, zones in name order. */
  zoneStats(query: TimeRange & SiteFilter & { zone?: string }): Promise<ZoneStat[]>;
  /** Samples of one scope (or a site, as in hourlyStats) averaged into buckets of stepMs, oldest first. */
  occupancySeries(
    query: TimeRange & SiteFilter & { scope?: string; stepMs: number },
  ): Promise<OccupancySeries>;
  /** Alert transitions, newest first. */
  alertHistory(query: TimeRange & { limit: number }): Promise<StoredAlertEvent[]>;
  /** Change events oldest first, read in pages so memory stays flat, for exports. */
  streamEvents(query: TimeRange & SiteFilter & { zone?: string }): AsyncIterable<StoredChangeEvent>;
  /** Deletes events, samples and alerts older than the given epoch ms. */
  prune(olderThan: number): Promise<PruneResult>;
  /** A real round trip to the database. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * Forgets a retired spot's live state (its row in `spots`), so a restart does not bring it
   * back; its change events stay in history. False when the store did not know the spot.
   */
  deleteSpot(zone: string, spot: string): Promise<boolean>;
}
