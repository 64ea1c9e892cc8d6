import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { openStore } from "../gateway/src/store/index.js";
import { encodeReport } from "../protocol/src/encode.js";
import { waitFor } from "./support/gateway.js";
import type { HttpTimerResult } from "./support/httpTimer.js";
import { rssMiB } from "./support/proc.js";
import { benchSpots, WindowedPublisher } from "./support/publisher.js";
import type { Rig } from "./support/rig.js";
import { type Distribution, distribution } from "./support/stats.js";

export interface GatewayScaleOptions {
  spots: number;
  zones: number;
  /** Days of occupancy samples and change events written before the gateway starts. */
  historyDays: number;
  /** The gateway's default sample interval: one sample per scope (each zone and the lot) this often. */
  sampleIntervalS: number;
  /** Change events seeded per spot per day, capped at `maxEvents` in all. */
  eventsPerSpotDay: number;
  maxEvents: number;
  /** Wait after every spot is known, before measuring. */
  settleS: number;
  /** Heartbeats per spot: one every this many seconds, as real nodes do. */
  heartbeatS: number;
  /** CPU is measured over this window, heartbeats running, no API requests. */
  cpuWindowS: number;
  /** Sequential GET /api/current: this many, or as many as fit in `timeBoxS`, at least 10. */
  currentRequests: number;
  /** Sequential GET /api/stats/hourly over the whole history. */
  hourlyRequests: number;
  timeBoxS: number;
}

export interface SeedResult {
  samples: number;
  events: number;
  seconds: number;
  fileMiB: number;
}

export interface GatewayScaleResult {
  seed: SeedResult;
  /** Gateway start → every spot's retained report accepted and /api/current shows them. */
  allKnownS: number;
  spotsInCurrent: number;
  heartbeatsPerS: number;
  cpuPercent: number;
  /** After the CPU window, before any API request. */
  rssMiB: number | null;
  /** VmHWM at the same point: includes start-up and the spots' first reports. */
  peakRssBeforeApiMiB: number | null;
  /** VmHWM at the end: includes the API requests below. */
  peakRssMiB: number | null;
  heapUsedMiB: number | null;
  heapTotalMiB: number | null;
  /** Of heapTotal: the young generation's committed semi-spaces. */
  newSpaceMiB: number | null;
  externalMiB: number | null;
  current: Distribution;
  /** The first GET /api/current after start, before V8 optimised the route. */
  currentFirstMs: number;
  currentBytes: number;
  hourly: Distribution;
  hourlyFirstMs: number;
  hourlySamples: number;
  /** Limit for /api/current: GET /api/health (a database ping, no lot), the same way, ms. */
  health: Distribution;
  /** Limit for /api/stats/hourly: the store's query run straight on the file with better-sqlite3, ms. */
  hourlySql: Distribution;
}

const DAY_MS = 86_400_000;
const MIB = 1024 * 1024;
const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * History as the gateway would have written it: `historyDays` of occupancy samples every
 * `sampleIntervalS` for the lot (`*`) and each zone, and change events spread evenly over the
 * same days, written by SQLite itself (recursive CTEs) into the gateway's own schema, in the
 * file the gateway will open. Occupancy follows a daily curve: 10 % at night, 90 % at 13:00.
 */
export async function seedHistory(dir: string, o: GatewayScaleOptions, now: number): Promise<SeedResult> {
  const started = performance.now();
  const file = join(dir, "parking.db");
  const store = await openStore(file); // the gateway's migrations
  await store.close();
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = OFF");
    const from = now - o.historyDays * DAY_MS;
    const perDay = Math.round(86_400 / o.sampleIntervalS);
    const count = o.historyDays * perDay;
    const perZone = Math.ceil(o.spots / o.zones);
    const scopes: Array<[string, number]> = [["*", o.spots]];
    for (let z = 0; z < o.zones; z++) {
      const total = Math.max(0, Math.min(perZone, o.spots - z * perZone));
      scopes.push([`Z${String(z + 1).padStart(2, "0")}`, total]);
    }
    // hour of day h in [0, 24): rate 10 + 80 · max(0, 1 − |h − 13| / 9), in percent.
    const samples = db.prepare(`
      with recursive t(i) as (select 0 union all select i + 1 from t where i < @count - 1),
      r(i, rate) as (
        select i, round(10 + 80 * max(0, 1 - abs(((i % @perDay) * 24.0 / @perDay) - 13) / 9), 1) from t
      )
      insert into occupancy_samples (ts, scope, total, free, occupied, offline, unknown, occupancy_rate)
      select @from + i * @step, @scope, @total,
        @total - cast(round(@total * rate / 100) as integer), cast(round(@total * rate / 100) as integer),
        0, 0, rate
      from r`);
    const events = Math.min(o.maxEvents, o.spots * o.eventsPerSpotDay * o.historyDays);
    const changes = db.prepare(`
      with recursive t(k) as (select 0 union all select k + 1 from t where k < @events - 1)
      insert into change_events (ts, zone, spot, state, previous, confidence, distance_cm, seq, reported_at, source)
      select @from + cast(k * @span / @events as integer),
        printf('Z%02d', (k % @spots) / @perZone + 1), printf('s%04d', (k % @spots) + 1),
        case when (k / @spots) % 2 = 0 then 'occupied' else 'free' end,
        case when (k / @spots) % 2 = 0 then 'free' else 'occupied' end,
        0.9, 120.0, k / @spots + 1, @from + cast(k * @span / @events as integer), 'mqtt'
      from t`);
    db.transaction(() => {
      for (const [scope, total] of scopes) {
        samples.run({ count, perDay, from, step: o.sampleIntervalS * 1000, scope, total });
      }
      if (events > 0) {
        changes.run({ events, from, span: o.historyDays * DAY_MS, spots: o.spots, perZone });
      }
    })();
    db.pragma("wal_checkpoint(TRUNCATE)");
    const pages = db.pragma("page_count", { simple: true }) as number;
    const pageSize = db.pragma("page_size", { simple: true }) as number;
    return {
      samples: count * scopes.length,
      events,
      seconds: (performance.now() - started) / 1000,
      fileMiB: (pages * pageSize) / MIB,
    };
  } finally {
    db.close();
  }
}

/** Node's heap numbers from the gateway's own /metrics (prom-client default metrics), MiB. */
async function heapOf(baseUrl: string): Promise<{
  used: number | null;
  total: number | null;
  newSpace: number | null;
  external: number | null;
}> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const read = (name: string): number | null => {
    const match = new RegExp(`^parking_nodejs_${name} (\\S+)$`, "m").exec(text);
    return match ? Number(match[1]) / MIB : null;
  };
  return {
    used: read("heap_size_used_bytes"),
    total: read("heap_size_total_bytes"),
    newSpace: read('heap_space_size_total_bytes\\{space="new"\\}'),
    external: read("external_memory_bytes"),
  };
}

/** Sequential GETs of `url`: `count` of them, or as many as fit in `timeBoxS` (at least 10). */
/** Requests before the timed ones: the route's code is not optimised yet (the first is reported on its own). */
const WARMUP = 20;

/** Sequential GETs from a separate process (support/httpTimer.ts says why); the last body is returned. */
async function timeRequests(
  url: string,
  count: number,
  timeBoxS: number,
): Promise<{ latency: Distribution; firstMs: number; bytes: number; body: string }> {
  const script = join(dirname(fileURLToPath(import.meta.url)), "support", "httpTimer.js");
  const bodyDir = mkdtempSync(join(tmpdir(), "parking-bench-body-"));
  const bodyFile = join(bodyDir, "body");
  try {
    const { stdout } = await execFileAsync(
      process.execPath,
      [script, url, String(count), String(timeBoxS), String(WARMUP), bodyFile],
      { maxBuffer: 64 * MIB },
    );
    const result = JSON.parse(stdout) as HttpTimerResult;
    return {
      latency: distribution(result.times),
      firstMs: result.firstMs,
      bytes: result.bytes,
      body: readFileSync(bodyFile, "utf8"),
    };
  } finally {
    rmSync(bodyDir, { recursive: true, force: true });
  }
}

/**
 * The SQL KyselyStore.hourlyStats runs (quarter-hour buckets of the lot's samples), straight on
 * the gateway's file from a read-only connection: what the database alone takes.
 */
function timeHourlySql(file: string, from: number, count: number): Distribution {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const query = db.prepare(
      `select "ts" / 900000 as "bucket", sum("occupancy_rate") as "rate_sum", count(*) as "samples"
       from "occupancy_samples" where "scope" = ? and "ts" >= ? group by "ts" / 900000`,
    );
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      query.all("*", from);
      times.push(performance.now() - t0);
    }
    return distribution(times);
  } finally {
    db.close();
  }
}

/** Report `seq` of spot i: every third spot occupied, the rest free; the status never changes. */
function steadyPayload(i: number, seq: number, reason: "boot" | "heartbeat"): string {
  return encodeReport({
    status: i % 3 === 0 ? "occupied" : "free",
    confidence: 0.9,
    distanceCm: 120,
    seq,
    reason,
  });
}

/**
 * C: the gateway with `spots` spots and `historyDays` of history, started on the seeded file:
 * every spot's retained report published, then heartbeats at spots / heartbeatS per second
 * (one publisher, QoS 1, as the nodes would send them) throughout; CPU over an idle window,
 * memory after it, then the API's latency, one request at a time.
 */
export async function runGatewayScale(
  rig: Rig,
  o: GatewayScaleOptions,
  seed: SeedResult,
): Promise<GatewayScaleResult> {
  const { gateway, mosquitto } = rig;
  const started = performance.now();
  const spots = benchSpots(o.spots, o.zones);
  const publisher = await WindowedPublisher.connect(mosquitto.url, "bench-scale", 1_000);
  let beating = true;
  let beats = 0;
  let heartbeats: Promise<void> | undefined;
  try {
    for (const [i, spot] of spots.entries()) await publisher.publish(spot.topic, steadyPayload(i, 1, "boot"));
    await publisher.settle();
    await waitFor(
      gateway,
      (h) => h.ingest.accepted >= o.spots && h.store_writer.waiting === 0,
      120_000,
      "every spot to be accepted",
      200,
    );
    const allKnownS = (performance.now() - started) / 1000;

    // Heartbeats from here on, on a drift-free schedule of 100 ms ticks.
    const perS = o.spots / o.heartbeatS;
    const tickMs = 100;
    const t0 = performance.now();
    heartbeats = (async () => {
      let n = 0;
      for (let tick = 1; beating; tick++) {
        const due = Math.floor((perS * tick * tickMs) / 1000);
        for (; n < due && beating; n++) {
          const i = n % o.spots;
          const spot = spots[i];
          if (spot)
            await publisher.publish(spot.topic, steadyPayload(i, 2 + Math.floor(n / o.spots), "heartbeat"));
          beats += 1;
        }
        const wait = t0 + tick * tickMs - performance.now();
        if (wait > 0) await sleep(wait);
      }
    })();
    await sleep(o.settleS * 1000);

    const cpu0 = gateway.cpuSeconds() ?? 0;
    const beats0 = beats;
    const w0 = performance.now();
    await sleep(o.cpuWindowS * 1000);
    const windowS = (performance.now() - w0) / 1000;
    const cpuPercent = (100 * ((gateway.cpuSeconds() ?? cpu0) - cpu0)) / windowS;
    const heartbeatsPerS = (beats - beats0) / windowS;
    const rss = rssMiB(gateway.pid);
    const peakBeforeApi = gateway.peakRssMiB();
    const heap = await heapOf(gateway.baseUrl);

    const current = await timeRequests(`${gateway.baseUrl}/api/current`, o.currentRequests, o.timeBoxS);
    const shown = JSON.parse(current.body) as { total: number };
    const from = Date.now() - o.historyDays * DAY_MS;
    const hourly = await timeRequests(
      `${gateway.baseUrl}/api/stats/hourly?from=${from}`,
      o.hourlyRequests,
      o.timeBoxS,
    );
    const stats = JSON.parse(hourly.body) as { statistics: Array<{ samples: number }> };
    const health = await timeRequests(`${gateway.baseUrl}/api/health`, o.hourlyRequests, o.timeBoxS);
    const hourlySql = timeHourlySql(gateway.dbFile, from, o.hourlyRequests);
    return {
      seed,
      allKnownS,
      spotsInCurrent: shown.total,
      heartbeatsPerS,
      cpuPercent,
      rssMiB: rss,
      peakRssBeforeApiMiB: peakBeforeApi,
      peakRssMiB: gateway.peakRssMiB(),
      heapUsedMiB: heap.used,
      heapTotalMiB: heap.total,
      newSpaceMiB: heap.newSpace,
      externalMiB: heap.external,
      current: current.latency,
      currentFirstMs: current.firstMs,
      currentBytes: current.bytes,
      hourly: hourly.latency,
      hourlyFirstMs: hourly.firstMs,
      hourlySamples: stats.statistics.reduce((sum, s) => sum + s.samples, 0),
      health: health.latency,
      hourlySql,
    };
  } finally {
    beating = false;
    await heartbeats;
    await publisher.close();
  }
}
