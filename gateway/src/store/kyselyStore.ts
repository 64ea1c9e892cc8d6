import { type Insertable, type Kysely, type Selectable, type SqlBool, sql } from "kysely";
import {
  type AlertEvent,
  type ChangeEvent,
  LOT_SCOPE,
  type OccupancySample,
  type Spot,
  type SpotState,
} from "../lot/types.js";
import { migrateToLatest } from "./migrations.js";
import {
  type AlertsTable,
  type ChangeEventsTable,
  type Database,
  type OccupancySamplesTable,
  type SpotsTable,
  toNullableNumber,
  toNumber,
} from "./schema.js";
import type {
  HistoryPage,
  HistoryQuery,
  HourlyStat,
  OccupancySeries,
  PruneResult,
  SiteFilter,
  Store,
  StoredAlertEvent,
  StoredChangeEvent,
  TimeRange,
  WriteBatch,
  ZoneStat,
} from "./types.js";

/** A history cursor that this store did not hand out. The HTTP layer answers 400. */
export class InvalidCursorError extends Error {
  override name = "InvalidCursorError";
  constructor(cursor: string) {
    super(`Invalid cursor ${JSON.stringify(cursor.slice(0, 40))}: pass the nextCursor of a previous page.`);
  }
}

export const MAX_HISTORY_LIMIT = 10_000;

/** SQLite allows 32 766 bound parameters per statement, PostgreSQL 65 535; stay under both. */
const MAX_PARAMS_PER_STATEMENT = 30_000;
/** Rows per keyset page of streamEvents: large enough to amortise the query, small enough to stay flat. */
const STREAM_PAGE_SIZE = 1_000;
/**
 * hourlyStats buckets by absolute quarter hour: every time zone offset (and DST shift) in use is a
 * multiple of 15 minutes, so each bucket lies in exactly one local hour of day, even in UTC+5:30.
 */
const QUARTER_HOUR_MS = 900_000;

type EventRow = Pick<
  Selectable<ChangeEventsTable>,
  | "id"
  | "ts"
  | "zone"
  | "spot"
  | "state"
  | "previous"
  | "confidence"
  | "distance_cm"
  | "seq"
  | "reported_at"
  | "source"
>;

const EVENT_COLUMNS = [
  "id",
  "ts",
  "zone",
  "spot",
  "state",
  "previous",
  "confidence",
  "distance_cm",
  "seq",
  "reported_at",
  "source",
] as const;

/**
 * The Store over Kysely, for SQLite and PostgreSQL alike: no engine-specific SQL in any query.
 * int8 and aggregate results go through toNumber because PostgreSQL returns them as strings.
 * Change events are ordered by (ts, id): newest first in history, oldest first in streamEvents.
 * Rates and averaged counts are rounded to 0.1.
 */
export class KyselyStore implements Store {
  readonly engine: "sqlite" | "postgres";
  readonly #db: Kysely<Database>;
  #closing: Promise<void> | undefined;

  constructor(db: Kysely<Database>, engine: "sqlite" | "postgres") {
    this.#db = db;
    this.engine = engine;
  }

  async migrate(): Promise<void> {
    await migrateToLatest(this.#db);
  }

  async loadSpots(): Promise<Spot[]> {
    const rows = await this.#db.selectFrom("spots").selectAll().orderBy("zone").orderBy("spot").execute();
    return rows.map(toSpot);
  }

  async commit(batch: WriteBatch): Promise<void> {
    const { spots, events, alerts, samples } = batch;
    if (spots.length === 0 && events.length === 0 && alerts.length === 0 && samples.length === 0) return;
    const spotRows = uniqueSpots(spots).map(spotRow);
    const eventRows = events.map(eventRow);
    const alertRows = alerts.map(alertRow);
    const sampleRows = samples.map(sampleRow);

    await this.#db.transaction().execute(async (trx) => {
      for (const chunk of chunks(spotRows)) {
        await trx
          .insertInto("spots")
          .values(chunk)
          .onConflict((oc) =>
            oc.columns(["zone", "spot"]).doUpdateSet((eb) => ({
              status: eb.ref("excluded.status"),
              online: eb.ref("excluded.online"),
              confidence: eb.ref("excluded.confidence"),
              distance_cm: eb.ref("excluded.distance_cm"),
              seq: eb.ref("excluded.seq"),
              reported_at: eb.ref("excluded.reported_at"),
              last_seen: eb.ref("excluded.last_seen"),
              last_change: eb.ref("excluded.last_change"),
              fw: eb.ref("excluded.fw"),
              rssi: eb.ref("excluded.rssi"),
              battery_v: eb.ref("excluded.battery_v"),
            })),
          )
          .execute();
      }
      for (const chunk of chunks(eventRows)) await trx.insertInto("change_events").values(chunk).execute();
      for (const chunk of chunks(alertRows)) await trx.insertInto("alerts").values(chunk).execute();
      for (const chunk of chunks(sampleRows)) {
        await trx.insertInto("occupancy_samples").values(chunk).execute();
      }
    });
  }

  async history(query: HistoryQuery): Promise<HistoryPage> {
    const limit = checkLimit(query.limit, MAX_HISTORY_LIMIT);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    let q = this.#db.selectFrom("change_events").select(EVENT_COLUMNS);
    if (query.zone !== undefined) q = q.where("zone", "=", query.zone);
    if (query.site !== undefined) q = q.where(inSite("zone", query.site));
    if (query.spot !== undefined) q = q.where("spot", "=", query.spot);
    if (query.from !== undefined) q = q.where("ts", ">=", query.from);
    if (query.to !== undefined) q = q.where("ts", "<", query.to);
    if (after !== undefined) {
      // (ts, id) < (after.ts, after.id), written so that `ts <=` is an index range in both engines.
      q = q
        .where("ts", "<=", after.ts)
        .where((eb) => eb.or([eb("ts", "<", after.ts), eb("id", "<", after.id)]));
    }
    // One row more than asked tells whether another page exists without a count query.
    const rows = await q
      .orderBy("ts", "desc")
      .orderBy("id", "desc")
      .limit(limit + 1)
      .execute();
    const hasMore = rows.length > limit;
    const events = (hasMore ? rows.slice(0, limit) : rows).map(toStoredEvent);
    const last = events[events.length - 1];
    return { events, nextCursor: hasMore && last ? encodeCursor(last) : null };
  }

  async hourlyStats(query: TimeRange & SiteFilter & { scope?: string }): Promise<HourlyStat[]> {
    const bucket = sql<number | string>`${sql.ref("ts")} / ${sql.lit(QUARTER_HOUR_MS)}`;
    let rows: Array<{ bucket: number | string; rate_sum: number | string; samples: number | string }>;
    if (query.site === undefined) {
      let q = this.#db
        .selectFrom("occupancy_samples")
        .select((eb) => [
          bucket.as("bucket"),
          eb.fn.sum<number | string>("occupancy_rate").as("rate_sum"),
          eb.fn.countAll<number | string>().as("samples"),
        ])
        .where("scope", "=", query.scope ?? LOT_SCOPE);
      if (query.from !== undefined) q = q.where("ts", ">=", query.from);
      if (query.to !== undefined) q = q.where("ts", "<", query.to);
      rows = await q.groupBy(bucket).execute();
    } else {
      // One sample per sample time for the whole site, as a sample of the lot is one per time.
      rows = await this.#db
        .selectFrom(this.#siteSamples(query.site, query).as("site_samples"))
        .select((eb) => [
          bucket.as("bucket"),
          eb.fn.sum<number | string>("occupancy_rate").as("rate_sum"),
          eb.fn.countAll<number | string>().as("samples"),
        ])
        .groupBy(bucket)
        .execute();
    }

    // Local hour of day depends on the gateway's time zone and DST, which SQL cannot portably know.
    const sums = new Array<number>(24).fill(0);
    const counts = new Array<number>(24).fill(0);
    for (const row of rows) {
      const hour = new Date(toNumber(row.bucket) * QUARTER_HOUR_MS).getHours();
      sums[hour] = (sums[hour] ?? 0) + toNumber(row.rate_sum);
      counts[hour] = (counts[hour] ?? 0) + toNumber(row.samples);
    }
    const stats: HourlyStat[] = [];
    for (let hour = 0; hour < 24; hour++) {
      const samples = counts[hour] ?? 0;
      if (samples > 0) stats.push({ hour, avgOccupancy: round1((sums[hour] ?? 0) / samples), samples });
    }
    return stats;
  }

  async zoneStats(query: TimeRange & SiteFilter & { zone?: string }): Promise<ZoneStat[]> {
    const count = (state: SpotState) =>
      sql<number | string>`sum(case when ${sql.ref("state")} = ${state} then 1 else 0 end)`;
    let q = this.#db
      .selectFrom("change_events")
      .select((eb) => [
        "zone",
        count("occupied").as("occupied"),
        count("free").as("free"),
        count("offline").as("offline"),
        count("unknown").as("unknown"),
        eb.fn.countAll<number | string>().as("total"),
        eb.fn.max("ts").as("last_event"),
      ]);
    if (query.zone !== undefined) q = q.where("zone", "=", query.zone);
    if (query.site !== undefined) q = q.where(inSite("zone", query.site));
    if (query.from !== undefined) q = q.where("ts", ">=", query.from);
    if (query.to !== undefined) q = q.where("ts", "<", query.to);
    const rows = await q.groupBy("zone").orderBy("zone").execute();
    return rows.map((row) => ({
      zone: row.zone,
      occupiedEvents: toNumber(row.occupied),
      freeEvents: toNumber(row.free),
      offlineEvents: toNumber(row.offline),
      unknownEvents: toNumber(row.unknown),
      totalEvents: toNumber(row.total),
      lastEvent: toNullableNumber(row.last_event),
    }));
  }

  async occupancySeries(
    query: TimeRange & SiteFilter & { scope?: string; stepMs: number },
  ): Promise<OccupancySeries> {
    const { stepMs } = query;
    if (!Number.isSafeInteger(stepMs) || stepMs < 1) {
      throw new RangeError(`stepMs must be a positive integer number of milliseconds, got ${stepMs}`);
    }
    // The step is inlined, not bound: PostgreSQL only accepts the select expression as grouped when
    // it is textually the GROUP BY expression (two $n parameters are not), and better-sqlite3 binds
    // numbers as REAL, which would turn the integer division into a float one.
    const bucket = sql<number | string>`(${sql.ref("ts")} / ${sql.lit(stepMs)}) * ${sql.lit(stepMs)}`;
    type Row = Record<
      "bucket" | "occupancy_rate" | "free" | "occupied" | "offline" | "unknown",
      number | string
    >;
    let rows: Row[];
    if (query.site === undefined) {
      let q = this.#db
        .selectFrom("occupancy_samples")
        .select((eb) => [
          bucket.as("bucket"),
          eb.fn.avg<number | string>("occupancy_rate").as("occupancy_rate"),
          eb.fn.avg<number | string>("free").as("free"),
          eb.fn.avg<number | string>("occupied").as("occupied"),
          eb.fn.avg<number | string>("offline").as("offline"),
          eb.fn.avg<number | string>("unknown").as("unknown"),
        ])
        .where("scope", "=", query.scope ?? LOT_SCOPE);
      if (query.from !== undefined) q = q.where("ts", ">=", query.from);
      if (query.to !== undefined) q = q.where("ts", "<", query.to);
      rows = await q.groupBy(bucket).orderBy(bucket).execute();
    } else {
      rows = await this.#db
        .selectFrom(this.#siteSamples(query.site, query).as("site_samples"))
        .select((eb) => [
          bucket.as("bucket"),
          eb.fn.avg<number | string>("occupancy_rate").as("occupancy_rate"),
          eb.fn.avg<number | string>("free").as("free"),
          eb.fn.avg<number | string>("occupied").as("occupied"),
          eb.fn.avg<number | string>("offline").as("offline"),
          eb.fn.avg<number | string>("unknown").as("unknown"),
        ])
        .groupBy(bucket)
        .orderBy(bucket)
        .execute();
    }

    const series: OccupancySeries = {
      ts: [],
      occupancyRate: [],
      free: [],
      occupied: [],
      offline: [],
      unknown: [],
    };
    for (const row of rows) {
      series.ts.push(toNumber(row.bucket));
      series.occupancyRate.push(round1(toNumber(row.occupancy_rate)));
      series.free.push(round1(toNumber(row.free)));
      series.occupied.push(round1(toNumber(row.occupied)));
      series.offline.push(round1(toNumber(row.offline)));
      series.unknown.push(round1(toNumber(row.unknown)));
    }
    return series;
  }

  /**
   * A site's occupancy as the samples of its zone scopes summed per sample time: every tick
   * samples every zone at the same ts, so each sum is the sample a per-site scope would have
   * had (zones that had no spot yet simply add nothing). The rate is recomputed from the sums,
   * as the lot's own rate is, rather than averaged over zones of different sizes.
   */
  #siteSamples(site: string, range: TimeRange) {
    const sum = (column: "free" | "occupied") => sql<number>`sum(${sql.ref(column)})`;
    let q = this.#db
      .selectFrom("occupancy_samples")
      .select((eb) => [
        "ts",
        eb.fn.sum<number | string>("free").as("free"),
        eb.fn.sum<number | string>("occupied").as("occupied"),
        eb.fn.sum<number | string>("offline").as("offline"),
        eb.fn.sum<number | string>("unknown").as("unknown"),
        sql<number | string>`case when ${sum("free")} + ${sum("occupied")} = 0 then 0
          else 100.0 * ${sum("occupied")} / (${sum("free")} + ${sum("occupied")}) end`.as("occupancy_rate"),
      ])
      .where(inSite("scope", site));
    if (range.from !== undefined) q = q.where("ts", ">=", range.from);
    if (range.to !== undefined) q = q.where("ts", "<", range.to);
    return q.groupBy("ts");
  }

  async alertHistory(query: TimeRange & { limit: number }): Promise<StoredAlertEvent[]> {
    const limit = checkLimit(query.limit, MAX_HISTORY_LIMIT);
    let q = this.#db.selectFrom("alerts").selectAll();
    if (query.from !== undefined) q = q.where("ts", ">=", query.from);
    if (query.to !== undefined) q = q.where("ts", "<", query.to);
    const rows = await q.orderBy("ts", "desc").orderBy("id", "desc").limit(limit).execute();
    return rows.map((row) => ({
      id: toNumber(row.id),
      ts: toNumber(row.ts),
      scope: row.scope,
      level: row.level,
      previous: row.previous,
      occupancyRate: row.occupancy_rate,
    }));
  }

  async *streamEvents(query: TimeRange & SiteFilter & { zone?: string }): AsyncGenerator<StoredChangeEvent> {
    // Keyset pages on (ts, id), not OFFSET: every page costs the same however deep the export, and
    // no page holds a transaction open against the writer.
    let after: { ts: number; id: number } | undefined;
    for (;;) {
      let q = this.#db.selectFrom("change_events").select(EVENT_COLUMNS);
      if (query.zone !== undefined) q = q.where("zone", "=", query.zone);
      if (query.site !== undefined) q = q.where(inSite("zone", query.site));
      if (query.from !== undefined) q = q.where("ts", ">=", query.from);
      if (query.to !== undefined) q = q.where("ts", "<", query.to);
      if (after !== undefined) {
        const { ts, id } = after;
        q = q.where("ts", ">=", ts).where((eb) => eb.or([eb("ts", ">", ts), eb("id", ">", id)]));
      }
      const rows = await q.orderBy("ts", "asc").orderBy("id", "asc").limit(STREAM_PAGE_SIZE).execute();
      for (const row of rows) {
        const event = toStoredEvent(row);
        after = event;
        yield event;
      }
      if (rows.length < STREAM_PAGE_SIZE) return;
    }
  }

  async prune(olderThan: number): Promise<PruneResult> {
    const events = await this.#db.deleteFrom("change_events").where("ts", "<", olderThan).executeTakeFirst();
    const samples = await this.#db
      .deleteFrom("occupancy_samples")
      .where("ts", "<", olderThan)
      .executeTakeFirst();
    const alerts = await this.#db.deleteFrom("alerts").where("ts", "<", olderThan).executeTakeFirst();
    return {
      events: Number(events.numDeletedRows),
      samples: Number(samples.numDeletedRows),
      alerts: Number(alerts.numDeletedRows),
    };
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.#db);
  }

  close(): Promise<void> {
    this.#closing ??= this.#db.destroy();
    return this.#closing;
  }

  async deleteSpot(zone: string, spot: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom("spots")
      .where("zone", "=", zone)
      .where("spot", "=", spot)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

/**
 * `column` names a zone of `site`, i.e. starts with `<site>/`. The range is what an index on the
 * column serves ('0' follows '/' in ASCII, so in byte order it holds exactly the prefixed ids);
 * the substr test keeps the answer exact under a PostgreSQL database collation that orders
 * text otherwise (case-insensitively at first, say). Values are bound, never spliced into SQL.
 */
function inSite(column: "zone" | "scope", site: string) {
  const prefix = `${site}/`;
  const ref = sql.ref(column);
  return sql<SqlBool>`(${ref} >= ${prefix} and ${ref} < ${`${site}0`} and substr(${ref}, 1, ${sql.lit(prefix.length)}) = ${prefix})`;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function checkLimit(limit: number, max: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new RangeError(`limit must be an integer from 1 to ${max}, got ${limit}`);
  }
  return limit;
}

/** Splits rows so that no statement binds more than MAX_PARAMS_PER_STATEMENT values. */
function chunks<T extends object>(rows: T[]): T[][] {
  const first = rows[0];
  if (first === undefined) return [];
  const size = Math.max(1, Math.floor(MAX_PARAMS_PER_STATEMENT / Object.keys(first).length));
  if (rows.length <= size) return [rows];
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/**
 * Keeps the last state of each spot: PostgreSQL refuses an upsert that touches the same row twice
 * in one statement ("ON CONFLICT DO UPDATE command cannot affect row a second time").
 */
function uniqueSpots(spots: Spot[]): Spot[] {
  if (spots.length < 2) return spots;
  const byKey = new Map<string, Spot>();
  // NUL cannot occur in zone or spot ids, so the key is unambiguous.
  for (const spot of spots) byKey.set(`${spot.zone}\0${spot.spot}`, spot);
  return byKey.size === spots.length ? spots : [...byKey.values()];
}

const CURSOR_PATTERN = /^[A-Za-z0-9_-]{1,48}$/;
const CURSOR_TEXT = /^(-?(?:0|[1-9][0-9]{0,15}))\.([1-9][0-9]{0,15})$/;

/**
 * base64url of "<ts>.<id>" of the last (oldest) event on the page: the keyset position in
 * (ts, id) order. Opaque to clients, URL-safe, and strictly checked on the way back.
 */
export function encodeCursor(last: { ts: number; id: number }): string {
  return Buffer.from(`${last.ts}.${last.id}`, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string): { ts: number; id: number } {
  if (!CURSOR_PATTERN.test(cursor)) throw new InvalidCursorError(cursor);
  const match = CURSOR_TEXT.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  const ts = Number(match?.[1]);
  const id = Number(match?.[2]);
  // Node's base64 decoder skips junk silently, so only a cursor that round-trips is one of ours.
  if (!Number.isSafeInteger(ts) || !Number.isSafeInteger(id) || encodeCursor({ ts, id }) !== cursor) {
    throw new InvalidCursorError(cursor);
  }
  return { ts, id };
}

function spotRow(s: Spot): Insertable<SpotsTable> {
  return {
    zone: s.zone,
    spot: s.spot,
    status: s.status,
    online: s.online ? 1 : 0,
    confidence: s.confidence,
    distance_cm: s.distanceCm ?? null,
    seq: s.seq ?? null,
    reported_at: s.reportedAt ?? null,
    last_seen: s.lastSeen,
    last_change: s.lastChange,
    fw: s.fw ?? null,
    rssi: s.rssi ?? null,
    battery_v: s.batteryV ?? null,
  };
}

function toSpot(row: Selectable<SpotsTable>): Spot {
  return {
    zone: row.zone,
    spot: row.spot,
    status: row.status,
    online: row.online !== 0,
    confidence: row.confidence,
    distanceCm: row.distance_cm,
    seq: toNullableNumber(row.seq),
    reportedAt: toNullableNumber(row.reported_at),
    lastSeen: toNumber(row.last_seen),
    lastChange: toNumber(row.last_change),
    fw: row.fw,
    rssi: row.rssi,
    batteryV: row.battery_v,
  };
}

function eventRow(e: ChangeEvent): Insertable<ChangeEventsTable> {
  return {
    ts: e.ts,
    zone: e.zone,
    spot: e.spot,
    state: e.state,
    previous: e.previous ?? null,
    confidence: e.confidence,
    distance_cm: e.distanceCm ?? null,
    seq: e.seq ?? null,
    reported_at: e.reportedAt ?? null,
    source: e.source,
  };
}

function toStoredEvent(row: EventRow): StoredChangeEvent {
  return {
    id: toNumber(row.id),
    ts: toNumber(row.ts),
    zone: row.zone,
    spot: row.spot,
    state: row.state,
    previous: row.previous,
    confidence: row.confidence,
    distanceCm: row.distance_cm,
    seq: toNullableNumber(row.seq),
    reportedAt: toNullableNumber(row.reported_at),
    source: row.source,
  };
}

function alertRow(a: AlertEvent): Insertable<AlertsTable> {
  return {
    ts: a.ts,
    scope: a.scope,
    level: a.level,
    previous: a.previous,
    occupancy_rate: a.occupancyRate,
  };
}

function sampleRow(s: OccupancySample): Insertable<OccupancySamplesTable> {
  return {
    ts: s.ts,
    scope: s.scope,
    total: s.total,
    free: s.free,
    occupied: s.occupied,
    offline: s.offline,
    unknown: s.unknown,
    occupancy_rate: s.occupancyRate,
  };
}
