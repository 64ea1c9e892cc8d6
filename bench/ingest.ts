import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import pg from "pg";
import { openStore } from "../gateway/src/store/index.js";
import type { BareSubscriberMessage } from "./support/bareSubscriber.js";
import { type Health, waitFor } from "./support/gateway.js";
import { cpuSeconds } from "./support/proc.js";
import {
  type BenchSpot,
  benchSpots,
  reportPayload,
  TOPIC_ROOT,
  WindowedPublisher,
} from "./support/publisher.js";
import type { BrokerRig, Rig } from "./support/rig.js";

export interface IngestOptions {
  spots: number;
  zones: number;
  /** Reports in the measured phase, every one a state change. */
  total: number;
  clients: number;
  /** Publishes each client may have unacknowledged by the broker. */
  window: number;
  /**
   * Publishers pause while more than this many reports are published but not yet committed by
   * the gateway. Mosquitto counts every message it holds for the gateway, queued or awaiting
   * its PUBACK, against max_queued_messages (100 000 in gateway-session.conf) and silently
   * drops the rest. 0: never pause.
   */
  maxBacklog: number;
}

export interface IngestResult {
  total: number;
  /** Fewer than `total` when publishing stopped because the gateway stalled. */
  sent: number;
  /** From the first publish until the gateway had committed all of them. */
  elapsedS: number;
  reportsPerS: number;
  stored: number;
  lost: number;
  duplicates: number;
  stale: number;
  rejected: number;
  commits: number;
  reportsPerCommit: number;
  /** Largest store_writer.last_commit_ms seen while polling. */
  maxCommitMs: number;
  /** Largest store_writer.waiting seen while polling: reports received, not yet in a transaction. */
  maxWaiting: number;
  gatewayCpuS: number | null;
  mosquittoCpuS: number | null;
  /** This process: the publishers and the pacing. */
  benchCpuS: number;
  gatewayPeakRssMiB: number | null;
  /** Longest time one publisher spent waiting for the backlog to shrink. */
  throttledS: number;
  /** The gateway stopped making progress before it had everything. */
  stalled: boolean;
  /** Mosquitto logged that it dropped messages queued for the gateway. */
  brokerDropped: boolean;
}

/** Nothing received for this long means the rest is not coming: the broker dropped it. */
const STALL_MS = 5_000;
/** The measured phase gives up after this long, whatever happens. */
const DEADLINE_MS = 120_000;
const POLL_MS = 50;
/** How often the pacing re-reads what the consumer has done. */
const TRACK_MS = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads how far the gateway's store has got: the newest change event id, and how many came after one. */
interface CommitCounter {
  lastId(): Promise<number>;
  countAfter(id: number): Promise<number>;
  close(): Promise<void>;
}

/** A second, read-only connection to the gateway's SQLite file: WAL lets it read while the gateway writes. */
function sqliteCounter(file: string): CommitCounter {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  const lastEventId = db.prepare("select coalesce(max(id), 0) from change_events").pluck();
  const eventsAfter = db.prepare("select count(*) from change_events where id > ?").pluck();
  return {
    lastId: async () => lastEventId.get() as number,
    countAfter: async (id) => eventsAfter.get(id) as number,
    close: async () => {
      db.close();
    },
  };
}

/** The same on the gateway's PostgreSQL database, over one client connection. */
async function postgresCounter(url: string): Promise<CommitCounter> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const one = async (text: string, values: unknown[] = []): Promise<number> => {
    const result = await client.query<{ n: string }>(text, values);
    return Number(result.rows[0]?.n ?? 0);
  };
  return {
    lastId: () => one("select coalesce(max(id), 0)::text as n from change_events"),
    countAfter: (id) => one("select count(*)::text as n from change_events where id > $1", [id]),
    close: () => client.end(),
  };
}

/** No new change event for this long: the store has committed everything it was given. */
const STABLE_MS = 1_000;

/** The newest change event id once it has stopped moving (any transaction in flight committed). */
async function stableLastId(counter: CommitCounter): Promise<number> {
  let last = await counter.lastId();
  for (;;) {
    await sleep(STABLE_MS / 4);
    const now = await counter.lastId();
    if (now === last) return now;
    last = now;
  }
}

interface Senders {
  publishers: WindowedPublisher[];
  /** The spots each publisher owns: every clients-th one, so each spot's reports stay in order. */
  owned: BenchSpot[][];
}

async function connectSenders(url: string, o: IngestOptions, name: string): Promise<Senders> {
  const spots = benchSpots(o.spots, o.zones);
  const owned = Array.from({ length: o.clients }, (_, k) => spots.filter((_s, i) => i % o.clients === k));
  const publishers = await Promise.all(
    owned.map((_, k) => WindowedPublisher.connect(url, `bench-${name}-${k}`, o.window)),
  );
  return { publishers, owned };
}

/** Every spot exists (report seq 0) before the clock starts. */
async function createSpots({ publishers, owned }: Senders): Promise<void> {
  await Promise.all(
    publishers.map(async (p, k) => {
      for (const spot of owned[k] ?? []) await p.publish(spot.topic, reportPayload(0));
      await p.settle();
    }),
  );
}

interface Sending {
  /** Reports handed to the publishers so far. */
  sent(): number;
  /** Resolves once every publisher has sent its share (or was stopped) and the broker acknowledged it. */
  done: Promise<void>;
  /** Longest time one publisher spent waiting for the backlog to shrink, s; valid after `done`. */
  throttledS(): number;
  stop(): void;
}

/**
 * The measured phase's publishing, the same for every consumer: each publisher sends its share
 * of `total` reports (alternating free/occupied, increasing seq) as fast as the broker
 * acknowledges, pausing while `sent − consumed()` reaches `maxBacklog`.
 */
function sendPaced({ publishers, owned }: Senders, o: IngestOptions, consumed: () => number): Sending {
  let sent = 0;
  let stop = false;
  const throttled: number[] = [];
  const perClient = Math.ceil(o.total / o.clients);
  const done = Promise.all(
    publishers.map(async (p, k) => {
      const mine = owned[k] ?? [];
      const count = Math.min(perClient, o.total - k * perClient);
      let waited = 0;
      for (let j = 0; j < count && !stop; j++) {
        if (o.maxBacklog > 0 && sent - consumed() >= o.maxBacklog) {
          const since = performance.now();
          while (sent - consumed() >= o.maxBacklog && !stop) await sleep(1);
          waited += performance.now() - since;
        }
        const spot = mine[j % mine.length];
        if (spot) await p.publish(spot.topic, reportPayload(Math.floor(j / mine.length) + 1));
        sent += 1;
      }
      await p.settle();
      throttled.push(waited / 1000);
    }),
  ).then(() => undefined);
  return {
    sent: () => sent,
    done,
    throttledS: () => Math.max(0, ...throttled),
    stop: () => {
      stop = true;
    },
  };
}

/**
 * Sustained QoS 1 ingest through the gateway: `clients` publishers send `total` reports, at most
 * `maxBacklog` published but not yet committed. It ends when the gateway has accepted and
 * committed them all (its health says so), or when it stopped receiving; then it counts the
 * stored change events to find what was lost. Works on SQLite and on PostgreSQL.
 */
export async function runIngest({ gateway, mosquitto }: Rig, o: IngestOptions): Promise<IngestResult> {
  const senders = await connectSenders(mosquitto.url, o, "ingest");
  const counter = gateway.dbFile.startsWith("postgres")
    ? await postgresCounter(gateway.dbFile)
    : sqliteCounter(gateway.dbFile);
  let sending: Sending | undefined;
  let tracking = true;
  let tracker: Promise<void> | undefined;
  try {
    await createSpots(senders);
    const before = await waitFor(
      gateway,
      (h) => h.ingest.accepted >= o.spots && h.store_writer.waiting === 0,
      30_000,
      "the spots to be created",
    );
    // PostgreSQL commits asynchronously: `waiting` is 0 while the last transaction may still run.
    const idBefore = await stableLastId(counter);
    const gatewayCpu0 = gateway.cpuSeconds();
    const mosquittoCpu0 = cpuSeconds(mosquitto.pid);
    const benchCpu0 = process.cpuUsage();

    // Committed reports, read often: the pacing waits on it.
    let committed = 0;
    let committedAt = performance.now();
    tracker = (async () => {
      while (tracking) {
        const now = (await counter.lastId()) - idBefore;
        if (now !== committed) {
          committed = now;
          committedAt = performance.now();
        }
        await sleep(TRACK_MS);
      }
    })();
    const t0 = performance.now();
    sending = sendPaced(senders, o, () => committed);

    const target = before.ingest.accepted + o.total;
    let health: Health = before;
    let maxCommitMs = 0;
    let maxWaiting = 0;
    let progressAt = performance.now();
    let stalled = false;
    for (;;) {
      const previous = health.ingest.accepted;
      health = await gateway.health();
      maxCommitMs = Math.max(maxCommitMs, health.store_writer.last_commit_ms);
      maxWaiting = Math.max(maxWaiting, health.store_writer.waiting);
      if (health.ingest.accepted >= target && health.store_writer.waiting === 0) break;
      const now = performance.now();
      if (health.ingest.accepted !== previous || health.store_writer.waiting > 0) progressAt = now;
      if (now - progressAt > STALL_MS || now - t0 > DEADLINE_MS) {
        stalled = true;
        sending.stop();
        break;
      }
      await sleep(POLL_MS);
    }
    await sending.done;
    // The last transaction may still be committing (PostgreSQL): the clock stops when the last
    // committed row became visible, or where progress stopped.
    if (!stalled) {
      while (committed < sending.sent() && performance.now() - committedAt < STABLE_MS) await sleep(TRACK_MS);
    }
    const t1 = stalled ? progressAt : committedAt;
    const gatewayCpu1 = gateway.cpuSeconds();
    const mosquittoCpu1 = cpuSeconds(mosquitto.pid);
    const benchCpu = process.cpuUsage(benchCpu0);
    const stored = await counter.countAfter(idBefore);
    const elapsedS = (t1 - t0) / 1000;
    const commits = health.store_writer.commits - before.store_writer.commits;
    const sent = sending.sent();
    return {
      total: o.total,
      elapsedS,
      reportsPerS: stored / elapsedS,
      stored,
      sent,
      lost: sent - stored,
      duplicates: health.ingest.duplicates - before.ingest.duplicates,
      stale: health.ingest.stale - before.ingest.stale,
      rejected: health.ingest.rejected_total - before.ingest.rejected_total,
      commits,
      reportsPerCommit: commits > 0 ? stored / commits : 0,
      maxCommitMs,
      maxWaiting,
      gatewayCpuS: delta(gatewayCpu0, gatewayCpu1),
      mosquittoCpuS: delta(mosquittoCpu0, mosquittoCpu1),
      benchCpuS: (benchCpu.user + benchCpu.system) / 1e6,
      gatewayPeakRssMiB: gateway.peakRssMiB(),
      throttledS: sending.throttledS(),
      stalled,
      brokerDropped: mosquitto.log().includes("being dropped"),
    };
  } finally {
    sending?.stop(); // publishers still waiting for the backlog give up
    tracking = false;
    await tracker;
    await counter.close();
    await Promise.all(senders.publishers.map((p) => p.close()));
  }
}

export interface BareSubscriberResult {
  sent: number;
  received: number;
  lost: number;
  /** From the first publish until the last report arrived. */
  elapsedS: number;
  reportsPerS: number;
  subscriberCpuS: number | null;
  mosquittoCpuS: number | null;
  /** This process: the publishers and the pacing. */
  benchCpuS: number;
  throttledS: number;
  stalled: boolean;
  brokerDropped: boolean;
}

/**
 * The limit for the gateway's ingest: the same publishers and pacing into a bare subscriber
 * (bench/support/bareSubscriber.ts) in its own process, as the gateway is: an mqtt.js MQTT 5
 * client with the gateway's session (persistent, receive maximum 10 000, QoS 1 on the same
 * filters) that counts each report, discards it and lets mqtt.js acknowledge it at once.
 */
export async function runBareSubscriber(
  { mosquitto }: BrokerRig,
  o: IngestOptions,
): Promise<BareSubscriberResult> {
  const script = join(dirname(fileURLToPath(import.meta.url)), "support", "bareSubscriber.js");
  const child = spawn(process.execPath, [script, mosquitto.url, TOPIC_ROOT], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let received = 0;
  let ready: () => void = () => {};
  const readyNow = new Promise<void>((resolve, reject) => {
    ready = resolve;
    child.once("exit", (code: number | null) => reject(new Error(`the bare subscriber exited with ${code}`)));
  });
  child.on("message", (message: BareSubscriberMessage) => {
    if ("ready" in message) ready();
    else received = message.received;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const senders = await connectSenders(mosquitto.url, o, "bare");
  let sending: Sending | undefined;
  try {
    await readyNow;
    await createSpots(senders);
    const createDeadline = performance.now() + 30_000;
    while (received < o.spots) {
      if (performance.now() > createDeadline)
        throw new Error(`the bare subscriber got ${received} of ${o.spots} creating reports`);
      await sleep(POLL_MS);
    }
    const receivedBefore = received;
    const pid = child.pid as number;
    const mosquittoCpu0 = cpuSeconds(mosquitto.pid);
    const subscriberCpu0 = cpuSeconds(pid);
    const bench0 = process.cpuUsage();
    const t0 = performance.now();
    sending = sendPaced(senders, o, () => received - receivedBefore);
    let stalled = false;
    let seen = received;
    let progressAt = t0;
    for (;;) {
      if (received - receivedBefore >= o.total) break;
      const now = performance.now();
      if (received !== seen) {
        seen = received;
        progressAt = now;
      }
      if (now - progressAt > STALL_MS || now - t0 > DEADLINE_MS) {
        stalled = true;
        sending.stop();
        break;
      }
      await sleep(1);
    }
    const t1 = stalled ? progressAt : performance.now();
    await sending.done;
    const bench = process.cpuUsage(bench0);
    const mosquittoCpu1 = cpuSeconds(mosquitto.pid);
    const subscriberCpu1 = cpuSeconds(pid);
    const got = received - receivedBefore;
    const elapsedS = (t1 - t0) / 1000;
    const sent = sending.sent();
    return {
      sent,
      received: got,
      lost: sent - got,
      elapsedS,
      reportsPerS: got / elapsedS,
      subscriberCpuS: delta(subscriberCpu0, subscriberCpu1),
      mosquittoCpuS: delta(mosquittoCpu0, mosquittoCpu1),
      benchCpuS: (bench.user + bench.system) / 1e6,
      throttledS: sending.throttledS(),
      stalled,
      brokerDropped: mosquitto.log().includes("being dropped"),
    };
  } finally {
    sending?.stop();
    await Promise.all(senders.publishers.map((p) => p.close()));
    if (child.connected) child.disconnect();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

export interface BareSqliteOptions {
  rows: number;
  /** Rows per transaction: the gateway's mean reports per commit. */
  batch: number;
  spots: number;
  zones: number;
}

export interface BareSqliteResult {
  rows: number;
  stored: number;
  lost: number;
  commits: number;
  elapsedS: number;
  rowsPerS: number;
  maxCommitMs: number;
}

/**
 * The store's limit: `rows` change events inserted straight into the gateway's own schema (its
 * migrations, so the same table and three indexes), WAL and synchronous = FULL as the gateway
 * opens it, one prepared insert per row inside transactions of `batch` rows. No MQTT, no upsert
 * of the spots table, no Kysely.
 */
export async function runBareSqlite(dir: string, o: BareSqliteOptions): Promise<BareSqliteResult> {
  const file = join(dir, "bare.db");
  const store = await openStore(file); // creates the schema
  await store.close();
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    const insert = db.prepare(
      "insert into change_events (ts, zone, spot, state, previous, confidence, distance_cm, seq, reported_at, source) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    const spots = benchSpots(o.spots, o.zones);
    const commit = db.transaction((from: number, to: number, ts: number) => {
      for (let i = from; i < to; i++) {
        const spot = spots[i % spots.length] as BenchSpot;
        const seq = Math.floor(i / spots.length) + 1;
        const state = seq % 2 === 0 ? "free" : "occupied";
        const previous = seq % 2 === 0 ? "occupied" : "free";
        insert.run(ts, spot.zone, spot.spot, state, previous, 0.9, null, seq, ts, "mqtt");
      }
    });
    const batch = Math.max(1, Math.round(o.batch));
    let commits = 0;
    let maxCommitMs = 0;
    const t0 = performance.now();
    for (let from = 0; from < o.rows; from += batch) {
      const c0 = performance.now();
      commit(from, Math.min(o.rows, from + batch), Date.now());
      maxCommitMs = Math.max(maxCommitMs, performance.now() - c0);
      commits += 1;
    }
    const elapsedS = (performance.now() - t0) / 1000;
    const stored = db.prepare("select count(*) from change_events").pluck().get() as number;
    return {
      rows: o.rows,
      stored,
      lost: o.rows - stored,
      commits,
      elapsedS,
      rowsPerS: stored / elapsedS,
      maxCommitMs,
    };
  } finally {
    db.close();
  }
}

function delta(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : b - a;
}
