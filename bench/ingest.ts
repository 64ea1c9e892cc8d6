import Database from "better-sqlite3";
import { type Health, waitFor } from "./support/gateway.js";
import { cpuSeconds } from "./support/proc.js";
import { benchSpots, reportPayload, WindowedPublisher } from "./support/publisher.js";
import type { Rig } from "./support/rig.js";

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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sustained QoS 1 ingest: `clients` publishers, each owning every clients-th spot (so each
 * spot's reports stay in order), send `total` reports that alternate free/occupied with
 * increasing seq, as fast as the broker acknowledges them, while at most `maxBacklog` are
 * published but not yet committed. It ends when the gateway has accepted and committed them
 * all (its health says so), or when it stopped receiving; then it counts the stored change
 * events to find what was lost.
 */
export async function runIngest({ gateway, mosquitto }: Rig, o: IngestOptions): Promise<IngestResult> {
  const spots = benchSpots(o.spots, o.zones);
  const owned = Array.from({ length: o.clients }, (_, k) => spots.filter((_s, i) => i % o.clients === k));
  const publishers = await Promise.all(
    owned.map((_, k) => WindowedPublisher.connect(mosquitto.url, `bench-ingest-${k}`, o.window)),
  );
  // A second, read-only connection: WAL lets it read while the gateway writes.
  const db = new Database(gateway.dbFile, { readonly: true, fileMustExist: true });
  const lastEventId = db.prepare("select coalesce(max(id), 0) from change_events").pluck();
  const eventsAfter = db.prepare("select count(*) from change_events where id > ?").pluck();
  let stop = false;
  let tracker: NodeJS.Timeout | undefined;
  try {
    // Every spot exists (report seq 0) before the clock starts.
    await Promise.all(
      publishers.map(async (p, k) => {
        for (const spot of owned[k] ?? []) await p.publish(spot.topic, reportPayload(0));
        await p.settle();
      }),
    );
    const before = await waitFor(
      gateway,
      (h) => h.ingest.accepted >= o.spots && h.store_writer.waiting === 0,
      30_000,
      "the spots to be created",
    );
    const idBefore = lastEventId.get() as number;
    const gatewayCpu0 = gateway.cpuSeconds();
    const mosquittoCpu0 = cpuSeconds(mosquitto.pid);
    const benchCpu0 = process.cpuUsage();

    let committed = 0;
    let sent = 0;
    const throttled: number[] = [];
    // Committed reports, read often: the pacing below waits on it.
    tracker = setInterval(() => {
      committed = (lastEventId.get() as number) - idBefore;
    }, 5);
    const t0 = performance.now();
    const perClient = Math.ceil(o.total / o.clients);
    const sending = Promise.all(
      publishers.map(async (p, k) => {
        const mine = owned[k] ?? [];
        const count = Math.min(perClient, o.total - k * perClient);
        let waited = 0;
        for (let j = 0; j < count && !stop; j++) {
          if (o.maxBacklog > 0 && sent - committed >= o.maxBacklog) {
            const since = performance.now();
            while (sent - committed >= o.maxBacklog && !stop) await sleep(1);
            waited += performance.now() - since;
          }
          const spot = mine[j % mine.length];
          if (spot) await p.publish(spot.topic, reportPayload(Math.floor(j / mine.length) + 1));
          sent += 1;
        }
        await p.settle();
        throttled.push(waited / 1000);
      }),
    );

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
        stop = true;
        break;
      }
      await sleep(POLL_MS);
    }
    // When it stalled, the clock stops where progress did.
    const t1 = stalled ? progressAt : performance.now();
    await sending;
    const gatewayCpu1 = gateway.cpuSeconds();
    const mosquittoCpu1 = cpuSeconds(mosquitto.pid);
    const benchCpu = process.cpuUsage(benchCpu0);
    const stored = eventsAfter.get(idBefore) as number;
    const elapsedS = (t1 - t0) / 1000;
    const commits = health.store_writer.commits - before.store_writer.commits;
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
      throttledS: Math.max(0, ...throttled),
      stalled,
      brokerDropped: mosquitto.log().includes("being dropped"),
    };
  } finally {
    stop = true; // publishers still waiting for the backlog give up
    clearInterval(tracker);
    db.close();
    await Promise.all(publishers.map((p) => p.close()));
  }
}

function delta(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : b - a;
}
