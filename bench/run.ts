import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { ESP32_FREE_JSVARS } from "../testkit/espruino.js";
import { mosquittoBinary, restartMosquitto } from "../testkit/mosquitto.js";
import { REPO_ROOT } from "../testkit/paths.js";
import {
  assetSizes,
  type FirstRenderOptions,
  type LiveOptions,
  runFirstRender,
  runLiveUpdates,
} from "./dashboard.js";
import { type FanoutOptions, type FanoutResult, runFanout } from "./fanout.js";
import { MEMORY_PATHS, type MemoryOptions, minimumFree } from "./firmwareMemory.js";
import {
  type BareSqliteResult,
  type BareSubscriberResult,
  type IngestOptions,
  type IngestResult,
  runBareSqlite,
  runBareSubscriber,
  runIngest,
} from "./ingest.js";
import { type LatencyOptions, type LatencyResult, runLatency } from "./latency.js";
import { type GatewayScaleOptions, type GatewayScaleResult, runGatewayScale, seedHistory } from "./scale.js";
import { type AccuracyOptions, runAccuracy, runScale, type ScaleOptions } from "./simulator.js";
import { rssMiB } from "./support/proc.js";
import { withBroker, withRig } from "./support/rig.js";
import { type Bar, chartSvg, type Panel } from "./support/svg.js";

/** One measured number; `target` when it has one to meet, `limit` when the same run measured one to compare. */
interface Measurement {
  benchmark: string;
  metric: string;
  value: number | null;
  unit: string;
  limit?: { label: string; value: number | null };
  target?: { op: ">=" | "<" | "<=" | "=="; value: number };
  pass?: boolean;
}

type Target = NonNullable<Measurement["target"]>;
type Limit = NonNullable<Measurement["limit"]>;

const num = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);

const INGEST = {
  spots: 2_000,
  zones: 20,
  total: num("BENCH_TOTAL", 200_000),
  clients: 4,
  window: 500,
};
/**
 * The publishers keep at most this many reports published but not yet consumed (committed by
 * the gateway, received by the bare subscriber): far below max_queued_messages in
 * gateway-session.conf, so the broker may queue but never drops.
 */
const BURST: IngestOptions = { ...INGEST, maxBacklog: 50_000 };
/** B: publish → live stream, at three rates; the issue's target is at 1 000/s. */
const LATENCY_RATES = (process.env.BENCH_LATENCY_RATES ?? "100,1000,5000").split(",").map(Number);
const LATENCY_TARGET_RATE = 1_000;
const LATENCY_TARGET_MS = 20;
const latencyOptions = (rate: number): LatencyOptions => ({
  spots: 2_000,
  zones: 20,
  rate,
  durationS: rate >= 5_000 ? 6 : 10,
  tickMs: 10,
});
/** P: the same burst ingest on each store, smaller. */
const STORES: IngestOptions = { ...BURST, total: num("BENCH_STORE_TOTAL", 50_000) };
/** C: the gateway with a large lot and 30 days of history. */
const SCALE_SIZES = (process.env.BENCH_SCALE_SPOTS ?? "1000,10000,50000").split(",").map(Number);
const SCALE_TARGET_SPOTS = 10_000;
const GATEWAY_SCALE: Omit<GatewayScaleOptions, "spots"> = {
  zones: 20,
  historyDays: 30,
  sampleIntervalS: 30,
  eventsPerSpotDay: 4,
  maxEvents: 1_000_000,
  settleS: 3,
  heartbeatS: 30,
  cpuWindowS: num("BENCH_SCALE_CPU_S", 10),
  currentRequests: 200,
  hourlyRequests: 50,
  timeBoxS: 10,
};
/** The issue's 150 MB: 150 × 10⁶ bytes. */
const MEMORY_TARGET_MB = 150;
const MB_PER_MIB = 1.048_576;
const CURRENT_TARGET_MS = 10;
const HOURLY_TARGET_MS = 50;
/** F: many live-stream clients, against one client in the same run. */
const FANOUT: FanoutOptions = {
  clients: num("BENCH_FANOUT_CLIENTS", 1_000),
  spots: 1_000,
  zones: 20,
  rate: 50,
  durationS: 10,
  connectBatch: 50,
};
const FANOUT_TARGET_MS = 100;
/** The issue's scale: 10 000 nodes, one connection each, at real speed. */
const SCALE: ScaleOptions = {
  spots: num("BENCH_SIM_SPOTS", 10_000),
  zones: 10,
  measureS: num("BENCH_SIM_MEASURE_S", 30),
};
/** A working day of an office car park: arrivals, lunch, departures. */
const ACCURACY: AccuracyOptions = {
  spots: 200,
  zones: 4,
  speed: 360,
  duration: "12h",
  start: "2026-11-24T06:00:00",
  profile: "office",
  seed: 7,
};
/** The issue's dashboard: 1 000 spots, 20 zones × 50. */
const FIRST_RENDER: FirstRenderOptions = { spots: 1_000, zones: 20, runs: 5 };
const LIVE: LiveOptions = { spots: 1_000, zones: 20, rate: 100, durationS: 10, sampleEvery: 10 };
/** 100 KB, compressed. */
const ASSET_BUDGET = 102_400;
/** M: the firmware's JsVar budget, bisected on the ESP32-format interpreter. */
const MEMORY: MemoryOptions & { runs: number; budget: number } = {
  low: 1_000,
  high: 2_600,
  step: 25,
  runs: num("BENCH_MEMORY_RUNS", 3),
  budget: ESP32_FREE_JSVARS,
};
/** The issue's budget for the whole `npm run bench`. */
const RUN_BUDGET_S = 600;

const measurements: Measurement[] = [];
const errors: Array<{ benchmark: string; error: string }> = [];
const notes: string[] = [];
/** Chart panels, each under the benchmark name (so the group) it belongs to. */
const panels: Array<{ benchmark: string; panel: Panel }> = [];

function note(text: string): void {
  console.log(`  ${text}`);
  notes.push(text);
}

function chart(benchmark: string, panel: Panel): void {
  panels.push({ benchmark, panel });
}

function measure(
  benchmark: string,
  metric: string,
  value: number | null,
  unit: string,
  target?: Target,
  limit?: Limit,
): void {
  const m: Measurement = { benchmark, metric, value, unit };
  if (limit) m.limit = limit;
  if (target) {
    m.target = target;
    m.pass = value !== null && Number.isFinite(value) && meets(value, target);
  }
  measurements.push(m);
}

function meets(value: number, { op, value: goal }: Target): boolean {
  if (op === ">=") return value >= goal;
  if (op === "<") return value < goal;
  if (op === "<=") return value <= goal;
  return value === goal;
}

/** A bar for a measured value: red when it has a target and misses it. */
function measuredBar(label: string, value: number | null, target?: Target): Bar {
  const missed = target !== undefined && (value === null || !meets(value, target));
  return { label, value, kind: missed ? "missed" : "measured" };
}

/** BENCH_ONLY=A2 (or A, or C) runs only the benchmarks whose name starts so. */
async function benchmark(name: string, fn: () => Promise<void>): Promise<void> {
  const only = process.env.BENCH_ONLY;
  if (only && !name.startsWith(only)) return;
  console.log(`\n▶ ${name}`);
  const started = performance.now();
  try {
    await fn();
    console.log(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    console.error(`  FAILED: ${message}`);
    errors.push({ benchmark: name, error: message });
  }
}

async function main(): Promise<void> {
  const runStarted = performance.now();
  const mosquitto = mosquittoBinary(); // fails loudly when it is missing
  const mosquittoVersion = /mosquitto version (\S+)/.exec(
    spawnSync(mosquitto, ["-h"]).stdout.toString(),
  )?.[1];
  const environment = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? "unknown",
    mosquitto: mosquittoVersion ?? "unknown",
  };
  console.log(
    `benchmarks: node ${environment.node}, ${environment.cpus} × ${environment.cpu_model}, mosquitto ${environment.mosquitto}`,
  );

  // ── A: ingest against its limits ──────────────────────────────────────────────────────────
  let bareSub: BareSubscriberResult | undefined;
  let gatewayIngest: IngestResult | undefined;
  let bareSqlite: BareSqliteResult | undefined;

  await benchmark("A1: limit: Mosquitto → a bare subscriber that discards, QoS 1", () =>
    withBroker("bare-subscriber", async (rig) => {
      const o = BURST;
      console.log(
        `  ${o.total} reports on ${o.spots} spots, ${o.clients} publishers (window ${o.window}), at most ${o.maxBacklog} unreceived`,
      );
      const r = await runBareSubscriber(rig, o);
      bareSub = r;
      const b = "A1 bare subscriber";
      measure(b, "rate (publish → received)", r.reportsPerS, "reports/s");
      measure(b, "sent", r.sent, "reports");
      measure(b, "lost (sent − received)", r.lost, "reports", { op: "==", value: 0 });
      measure(b, "elapsed, first publish → last received", r.elapsedS, "s");
      measure(b, "mosquitto CPU", cpuPercent(r.mosquittoCpuS, r.elapsedS), "%");
      measure(b, "subscriber CPU", cpuPercent(r.subscriberCpuS, r.elapsedS), "%");
      measure(b, "bench process CPU (publishers)", cpuPercent(r.benchCpuS, r.elapsedS), "%");
      measure(b, "publishers paused for the backlog", r.throttledS, "s");
      if (r.stalled) note(`${b}: the subscriber stopped receiving before it had every report`);
      if (r.brokerDropped) note(`${b}: Mosquitto logged that it dropped messages for the subscriber`);
    }),
  );

  await benchmark("A2: Mosquitto → gateway → SQLite, QoS 1, same publishers and pacing", async () => {
    const r = await ingestBenchmark("A2 gateway", BURST, "ingest", undefined, {
      label: "bare subscriber",
      value: bareSub?.reportsPerS ?? null,
    });
    gatewayIngest = r;
  });

  await benchmark("A3: limit: bare better-sqlite3 batched inserts, no MQTT", async () => {
    const batch = gatewayIngest?.reportsPerCommit ?? 8_000;
    const runDir = mkdtempSync(join(tmpdir(), "parking-bench-bare-sqlite-"));
    try {
      console.log(
        `  ${BURST.total} change_events rows, ${Math.round(batch)} per transaction (the gateway's mean)`,
      );
      const r = await runBareSqlite(runDir, {
        rows: BURST.total,
        batch,
        spots: BURST.spots,
        zones: BURST.zones,
      });
      bareSqlite = r;
      const b = "A3 bare SQLite";
      measure(b, "rate (rows committed)", r.rowsPerS, "rows/s");
      measure(b, "rows", r.rows, "");
      measure(b, "lost (rows − stored)", r.lost, "rows", { op: "==", value: 0 });
      measure(b, "transactions", r.commits, "");
      measure(b, "rows per transaction", r.rows / r.commits, "");
      measure(b, "max transaction", r.maxCommitMs, "ms");
      measure(b, "elapsed", r.elapsedS, "s");
    } finally {
      rmSync(runDir, { recursive: true, force: true });
    }
  });

  if (bareSub && gatewayIngest) {
    const ratio = gatewayIngest.reportsPerS / bareSub.reportsPerS;
    measure(
      "A ratio",
      "gateway rate / bare subscriber rate",
      ratio,
      "",
      { op: ">=", value: 0.5 },
      { label: "bare subscriber", value: 1 },
    );
    if (bareSqlite) {
      measure(
        "A ratio",
        "gateway rate / bare SQLite rate",
        gatewayIngest.reportsPerS / bareSqlite.rowsPerS,
        "",
        undefined,
        {
          label: "bare SQLite",
          value: 1,
        },
      );
    }
    note(
      "A ratio: the burst run is the fair comparison: both consumers get the same offered load (4 publishers as fast as Mosquitto acknowledges, at most 50 000 reports outstanding), so each runs at its own capacity. " +
        "A run paced to a few hundred outstanding reports (the former A2, at most 900) measures the gateway's commit round trip instead: in its last run the publishers waited 9.8 s of 10.3 s for commits, while a bare subscriber, which acknowledges at once, never waits; so it is left out.",
    );
  }
  {
    const sub = bareSub?.reportsPerS ?? null;
    const gw = gatewayIngest?.reportsPerS ?? null;
    const target: Target | undefined = sub === null ? undefined : { op: ">=", value: sub / 2 };
    chart("A ratio", {
      title: "A: sustained QoS 1 ingest, same publishers and pacing",
      unit: "reports/s",
      bars: [
        { label: "Mosquitto → bare subscriber", value: sub, kind: "limit" },
        measuredBar("Mosquitto → gateway → SQLite", gw, target),
        { label: "bare SQLite inserts (no MQTT)", value: bareSqlite?.rowsPerS ?? null, kind: "limit" },
      ],
      ...(target ? { target: { value: target.value, label: "target ≥ ½ bare subscriber" } } : {}),
    });
  }

  // ── B: publish → live stream latency at three rates ───────────────────────────────────────
  const latencies = new Map<number, LatencyResult>();
  for (const [i, rate] of LATENCY_RATES.entries()) {
    const o = latencyOptions(rate);
    await benchmark(
      `B${i + 1}: publish → SSE latency at ${rate.toLocaleString("en-US")} reports/s (fresh gateway)`,
      () =>
        withRig("latency", async (rig) => {
          console.log(
            `  ${o.rate} reports/s for ${o.durationS} s (${(o.rate * o.tickMs) / 1000} every ${o.tickMs} ms)`,
          );
          const r = await runLatency(rig, o);
          latencies.set(rate, r);
          const b = `B${i + 1} latency ${rate}/s`;
          const target: Target | undefined =
            rate === LATENCY_TARGET_RATE ? { op: "<", value: LATENCY_TARGET_MS } : undefined;
          const limit = (v: number): Limit => ({ label: "Mosquitto → bare subscriber", value: v });
          measure(b, "publish rate achieved", r.sentPerS, "reports/s", undefined, {
            label: "asked",
            value: rate,
          });
          measure(b, "p50", r.latency.p50, "ms", undefined, limit(r.broker.p50));
          measure(b, "p95", r.latency.p95, "ms", undefined, limit(r.broker.p95));
          measure(b, "p99", r.latency.p99, "ms", target, limit(r.broker.p99));
          measure(b, "max", r.latency.max, "ms", undefined, limit(r.broker.max));
          measure(b, "sent", r.sent, "reports");
          measure(b, "received on SSE", r.received, "events", { op: "==", value: r.sent });
          measure(b, "commits", r.commits, "");
          measure(b, "SSE clients dropped as slow", r.droppedSseClients, "");
          if (r.sentPerS < rate * 0.95)
            note(`${b}: the bench process published ${r.sentPerS.toFixed(0)} reports/s of the ${rate} asked`);
        }),
    );
  }
  if (latencies.size > 0) {
    const bars: Bar[] = [];
    for (const [rate, r] of latencies) {
      const target: Target | undefined =
        rate === LATENCY_TARGET_RATE ? { op: "<", value: LATENCY_TARGET_MS } : undefined;
      const per = `${rate.toLocaleString("en-US")}/s`;
      bars.push(
        { label: `${per} broker only, p99`, value: r.broker.p99, kind: "limit" },
        measuredBar(`${per} p50`, r.latency.p50),
        measuredBar(`${per} p95`, r.latency.p95),
        measuredBar(`${per} p99`, r.latency.p99, target),
      );
    }
    chart("B latency", {
      title: "B: publish → SSE spot event",
      unit: "ms",
      bars,
      target: { value: LATENCY_TARGET_MS, label: `target p99 < ${LATENCY_TARGET_MS} ms at 1,000/s` },
    });
  }

  // ── P: SQLite versus PostgreSQL on the same ingest ─────────────────────────────────────────
  let onSqlite: IngestResult | undefined;
  let onPostgres: IngestResult | undefined;
  await benchmark("P1: same ingest on SQLite", async () => {
    onSqlite = await ingestBenchmark("P1 SQLite", STORES, "store-sqlite", "sqlite");
  });
  await benchmark("P2: same ingest on PostgreSQL (throwaway database)", async () => {
    onPostgres = await ingestBenchmark("P2 PostgreSQL", STORES, "store-postgres", "postgres", {
      label: "SQLite",
      value: onSqlite?.reportsPerS ?? null,
    });
  });
  if (onSqlite && onPostgres) {
    measure(
      "P ratio",
      "PostgreSQL rate / SQLite rate",
      onPostgres.reportsPerS / onSqlite.reportsPerS,
      "",
      undefined,
      {
        label: "SQLite",
        value: 1,
      },
    );
  }
  if (onSqlite || onPostgres) {
    chart("P stores", {
      title: `P: ${STORES.total.toLocaleString("en-US")} reports, SQLite versus PostgreSQL`,
      unit: "reports/s",
      bars: [
        { label: "SQLite", value: onSqlite?.reportsPerS ?? null, kind: "limit" },
        measuredBar("PostgreSQL", onPostgres?.reportsPerS ?? null),
      ],
    });
    chart("P stores", {
      title: "P: mean reports per commit",
      unit: "",
      bars: [
        { label: "SQLite", value: onSqlite?.reportsPerCommit ?? null, kind: "limit" },
        measuredBar("PostgreSQL", onPostgres?.reportsPerCommit ?? null),
      ],
    });
  }

  // ── C: the gateway with a large lot and 30 days of history ───────────────────────────────
  let bareNodeMb: number | null = null;
  const scales = new Map<number, GatewayScaleResult>();
  await benchmark("C0: limit: memory of an idle bare Node process", async () => {
    bareNodeMb = await bareNodeRssMiB().then((v) => (v === null ? null : v * MB_PER_MIB));
    measure("C0 bare node", "RSS of `node -e` idling", bareNodeMb, "MB");
  });
  for (const [i, spots] of SCALE_SIZES.entries()) {
    const o: GatewayScaleOptions = { ...GATEWAY_SCALE, spots };
    const name = `C${i + 1}: gateway with ${spots.toLocaleString("en-US")} spots and ${o.historyDays} days of history`;
    await benchmark(name, async () => {
      const now = Date.now();
      let seeded: Awaited<ReturnType<typeof seedHistory>> | undefined;
      await withRig(
        "scale",
        async (rig) => {
          if (!seeded) throw new Error("the history was not seeded");
          console.log(
            `  seeded ${seeded.samples.toLocaleString("en-US")} samples and ${seeded.events.toLocaleString("en-US")} change events in ${seeded.seconds.toFixed(1)} s (${seeded.fileMiB.toFixed(0)} MiB)`,
          );
          const r = await runGatewayScale(rig, o, seeded);
          scales.set(spots, r);
          recordScale(`C${i + 1} ${spots} spots`, spots, r, bareNodeMb);
        },
        {
          before: async (dir) => {
            seeded = await seedHistory(dir, o, now);
          },
        },
      );
    });
  }
  if (scales.size > 0) chartScale(scales, bareNodeMb);

  // ── F: live-stream fan-out ────────────────────────────────────────────────────────────────
  let oneClient: FanoutResult | undefined;
  let manyClients: FanoutResult | undefined;
  await benchmark("F1: limit: the same live stream to 1 client", () =>
    withRig("fanout-1", async (rig) => {
      const o = { ...FANOUT, clients: 1 };
      console.log(`  1 client, ${o.rate} reports/s for ${o.durationS} s`);
      oneClient = await runFanout(rig, o);
      recordFanout("F1 1 client", oneClient);
    }),
  );
  await benchmark(`F2: live stream to ${FANOUT.clients.toLocaleString("en-US")} clients`, () =>
    withRig("fanout-many", async (rig) => {
      const o = FANOUT;
      console.log(
        `  ${o.clients} clients (raw node:http, one socket each), ${o.rate} reports/s for ${o.durationS} s`,
      );
      manyClients = await runFanout(rig, o);
      recordFanout(`F2 ${o.clients} clients`, manyClients, oneClient);
      note(
        `F2 ${o.clients} clients: every client runs in the bench process beside the publisher (one clock); ` +
          `its own parsing of ${o.clients} streams on the same 2 cores as the gateway is part of the delay measured.`,
      );
    }),
  );
  if (oneClient || manyClients) {
    const target: Target = { op: "<", value: FANOUT_TARGET_MS };
    const bars: Bar[] = [];
    if (oneClient) {
      bars.push(
        { label: "1 client p50", value: oneClient.latency.p50, kind: "limit" },
        { label: "1 client p99", value: oneClient.latency.p99, kind: "limit" },
      );
    }
    if (manyClients) {
      const n = manyClients.clients.toLocaleString("en-US");
      bars.push(
        measuredBar(`${n} clients p50`, manyClients.latency.p50),
        measuredBar(`${n} clients p95`, manyClients.latency.p95),
        measuredBar(`${n} clients p99`, manyClients.latency.p99, target),
      );
    }
    chart("F fanout", {
      title: `F: publish → SSE event at each client, ${FANOUT.rate} reports/s`,
      unit: "ms",
      bars,
      target: { value: FANOUT_TARGET_MS, label: `target p99 < ${FANOUT_TARGET_MS} ms` },
    });
  }

  await benchmark("S1: simulator at scale, one MQTT connection per node", () =>
    withRig("sim-scale", async (rig) => {
      console.log(
        `  ${SCALE.spots} spots in ${SCALE.zones} zones at real speed; CPU over ${SCALE.measureS} s`,
      );
      const r = await runScale(rig, SCALE);
      const b = "S1 scale";
      measure(b, "spots reporting in the gateway", r.spotsInGateway, "spots", {
        op: "==",
        value: SCALE.spots,
      });
      measure(b, "start until every spot reported", r.allKnownS, "s");
      measure(b, "simulator CPU (1 core = 100 %)", r.simulatorCpuPercent, "%", { op: "<", value: 100 });
      measure(b, "simulator peak RSS (VmHWM)", r.simulatorPeakRssMiB, "MiB");
      measure(b, "reports accepted by the gateway", r.reportsPerS, "reports/s");
      measure(b, "gateway CPU", r.gatewayCpuPercent, "%");
      measure(b, "gateway peak RSS (VmHWM)", r.gatewayPeakRssMiB, "MiB");
    }),
  );

  await benchmark("S2: accuracy against the truth over a simulated working day", () =>
    withRig("sim-accuracy", async (rig) => {
      const o = ACCURACY;
      console.log(`  ${o.spots} spots, ${o.profile} profile, ${o.duration} from ${o.start} at ×${o.speed}`);
      const r = await runAccuracy(rig, o);
      const b = "S2 accuracy";
      measure(b, "spot-time where the gateway matched the truth", 100 * r.agreement, "%", {
        op: ">=",
        value: 99,
      });
      measure(b, "arrivals scored", r.arrivals, "");
      measure(b, "arrivals never shown", r.missed, "", { op: "==", value: 0 });
      measure(b, "arrival → gateway shows occupied, p50", r.latencyCycles.p50, "cycles");
      measure(b, "arrival → gateway shows occupied, p95", r.latencyCycles.p95, "cycles", {
        op: "<",
        value: 2.0001,
      });
      measure(b, "measurement cycle", r.cycleMs / 1000, "s");
      measure(b, "real time of the run", r.realS, "s");
    }),
  );

  await benchmark("D1: dashboard first render, 1 000 spots (fresh gateway, fresh browser context)", () =>
    withRig("dashboard-render", async (rig) => {
      const o = FIRST_RENDER;
      console.log(`  ${o.spots} spots in ${o.zones} zones, ${o.runs} loads, each in a fresh context`);
      const r = await runFirstRender(rig, o);
      const b = "D1 first render";
      const sorted = [...r.renderMs].sort((x, y) => x - y);
      measure(b, "all spots + total shown, median", median(sorted), "ms", { op: "<", value: 1000 });
      measure(b, "all spots + total shown, max", sorted[sorted.length - 1] ?? null, "ms");
      const fcp = r.fcpMs.filter((v): v is number => v !== null).sort((x, y) => x - y);
      measure(b, "first-contentful-paint, median", median(fcp), "ms");
      measure(b, "first-contentful-paint, max", fcp[fcp.length - 1] ?? null, "ms");
      measure(b, "loads", r.renderMs.length, "");
      note(
        `${b}: Chromium ${r.chromium}; each load in ms (page clock): ${r.renderMs.map((v) => v.toFixed(0)).join(", ")}`,
      );
      if (r.pageErrors.length > 0) note(`${b}: page errors: ${r.pageErrors.join(" | ")}`);
    }),
  );

  await benchmark("D2: dashboard live updates, 100 spot changes/s over MQTT", () =>
    withRig("dashboard-live", async (rig) => {
      const o = LIVE;
      console.log(
        `  ${o.rate} changes/s for ${o.durationS} s on ${o.spots} spots; every ${o.sampleEvery}th timed`,
      );
      const r = await runLiveUpdates(rig, o);
      const b = "D2 live updates";
      measure(b, "changes published", r.sent, "");
      measure(b, "publish rate achieved", r.sentPerS, "changes/s");
      measure(b, "frames recorded", r.frames, "");
      measure(b, "recorded over", r.recordedS, "s");
      measure(b, "frame interval p50", r.interval.p50, "ms");
      measure(b, "frame interval p95", r.interval.p95, "ms");
      measure(b, "frame interval max", r.interval.max, "ms");
      measure(b, "dropped frames (Σ round(interval / 16.67 ms) − 1)", r.droppedFrames, "", {
        op: "==",
        value: 0,
      });
      measure(b, "long frames (> 50 ms)", r.longFrames, "");
      measure(b, "spots shown ≠ /api/current at the end", r.mismatched, "", { op: "==", value: 0 });
      measure(b, "spots in /api/current ≠ last report", r.gatewayMismatched, "", { op: "==", value: 0 });
      measure(b, "publish → shown in page, p50", r.delay.p50, "ms");
      measure(b, "publish → shown in page, p95", r.delay.p95, "ms");
      measure(b, "publish → shown in page, max", r.delay.max, "ms");
      measure(b, "timed changes never shown", r.neverShown, `of ${r.sampled}`, { op: "==", value: 0 });
      note(
        `${b}: headless Chromium with --disable-gpu paints on its own timer, not a display's vsync; frame intervals are requestAnimationFrame timestamps in the page.`,
      );
      if (r.pageErrors.length > 0) note(`${b}: page errors: ${r.pageErrors.join(" | ")}`);
    }),
  );

  await benchmark("D3: dashboard assets, compressed size", async () => {
    const sizes = assetSizes();
    const b = "D3 asset size";
    const sum = (pick: (s: (typeof sizes)[number]) => number) => sizes.reduce((t, s) => t + pick(s), 0);
    measure(
      b,
      "all assets, gzip",
      sum((s) => s.gzip),
      "bytes",
      { op: "<=", value: ASSET_BUDGET },
    );
    measure(
      b,
      "all assets, brotli",
      sum((s) => s.brotli),
      "bytes",
    );
    measure(
      b,
      "all assets, uncompressed",
      sum((s) => s.raw),
      "bytes",
    );
    // What a gzip client gets: the gateway compresses nothing itself, files without a .gz go as is.
    measure(
      b,
      "all assets, as the gateway sends them to a gzip client",
      sum((s) => (s.prebuilt.gzip ? s.gzip : s.raw)),
      "bytes",
    );
    for (const s of sizes) measure(b, `gzip: ${s.name}`, s.gzip, "bytes");
    const built = (yes: boolean) => (yes ? "" : "*");
    note(
      `${b}: per file, raw / gzip / brotli bytes (* compressed by the benchmark: the build writes no such copy and the gateway serves the file as is): ${sizes
        .map(
          (s) =>
            `${s.name} ${s.raw} / ${s.gzip}${built(s.prebuilt.gzip)} / ${s.brotli}${built(s.prebuilt.brotli)}`,
        )
        .join("; ")}`,
    );
  });

  await benchmark("M1: firmware: free JsVars each path needs before the bundle loads", async () => {
    console.log(
      `  ${MEMORY.runs} bisections per path from ${MEMORY.low} to ${MEMORY.high} free JsVars, to ${MEMORY.step}, the paths side by side, each with its own Mosquitto; ESPRUINO_BIN=${process.env.ESPRUINO_BIN ?? "(unset)"}`,
    );
    // Side by side: a trial's outcome depends on JsVars, not on time, and one after the other
    // the group took seven minutes.
    const results = await Promise.all(
      MEMORY_PATHS.map((path) =>
        withBroker(`firmware-memory-${path}`, async (rig) => {
          let mosquitto = rig.mosquitto;
          const broker = {
            mosquitto: () => mosquitto,
            restart: async () => {
              await mosquitto.stop();
              mosquitto = await restartMosquitto(rig.dir, mosquitto.port);
            },
          };
          let spots = 0;
          const spot = (): string => `${path}${++spots}`;
          const needs: number[] = [];
          for (let run = 0; run < MEMORY.runs; run++) {
            const need = await minimumFree(path, MEMORY, broker, spot);
            if (need === null) throw new Error(`${path} fails even with ${MEMORY.high} free JsVars`);
            needs.push(need);
            console.log(`  ${path}: works from ${need} free JsVars`);
          }
          return { path, needs: needs.sort((x, y) => x - y) };
        }),
      ),
    );
    const b = "M1 firmware memory";
    const bars: Bar[] = [];
    for (const { path, needs } of results) {
      const median = needs[Math.floor(needs.length / 2)] as number;
      const spread = (needs.at(-1) as number) - (needs[0] as number);
      measure(b, `${path}: free JsVars needed, median`, median, "JsVars", { op: "<=", value: MEMORY.budget });
      measure(b, `${path}: spread (max − min) over ${needs.length} runs`, spread, "JsVars");
      bars.push(measuredBar(path, median, { op: "<=", value: MEMORY.budget }));
    }
    chart(b, {
      title: `Free JsVars each path needs before the bundle loads (budget ${MEMORY.budget})`,
      unit: "JsVars",
      bars,
      target: { value: MEMORY.budget, label: `budget ${MEMORY.budget}` },
    });
  });

  chartSimulatorAndDashboard();

  const totalS = (performance.now() - runStarted) / 1000;
  const only = process.env.BENCH_ONLY;
  const wall = `${only ? `BENCH_ONLY=${only}` : "every benchmark"}: ${totalS.toFixed(0)} s in the bench process (the build before it not counted); the budget for all of \`npm run bench\` is ${RUN_BUDGET_S} s`;
  const header = ["benchmark", "metric", "value", "unit", "in-run limit", "target", "result"];
  console.log(`\n${textTable(header, rowsOf(measurements))}`);
  for (const e of errors) console.log(`ERROR in ${e.benchmark}: ${e.error.split("\n")[0]}`);
  console.log(`\nwall time, ${wall}`);

  const machine = `${environment.date} · node ${environment.node} · ${environment.cpus} × ${environment.cpu_model} · mosquitto ${environment.mosquitto}`;
  const groups = [
    {
      file: "ingest",
      title: "Ingest benchmarks",
      prefixes: ["A", "B", "P"],
      settings: {
        ingest: BURST,
        latency: LATENCY_RATES.map(latencyOptions),
        stores: STORES,
      },
      about:
        `A: ${INGEST.total} QoS 1 reports, ${INGEST.spots} spots in ${INGEST.zones} zones, ${INGEST.clients} publishers (window ${INGEST.window}), at most ${BURST.maxBacklog} outstanding; ` +
        "A1 the limit: a bare mqtt.js MQTT 5 subscriber with the gateway's session (persistent, receive maximum 10 000, QoS 1 on the same filters) that counts and discards, on its own fresh Mosquitto; " +
        "A2 the gateway on a fresh Mosquitto, rate from first publish to last commit; A3 the store's limit: the same number of rows inserted straight into the gateway's change_events schema (WAL, synchronous = FULL) in transactions of the gateway's mean commit size. " +
        `B: ${LATENCY_RATES.join(", ")} reports/s, publish → SSE \`spot\` event, each on a fresh gateway; its limit is the same reports' publish → delivery at a bare QoS 1 subscriber on the same broker, in the same run. ` +
        `P: ${STORES.total} reports as in A, on SQLite and on a throwaway PostgreSQL database (\`--db postgres://...\`).`,
    },
    {
      file: "scale",
      title: "Gateway scale benchmarks",
      prefixes: ["C"],
      settings: { sizes: SCALE_SIZES, ...GATEWAY_SCALE, memory_target_mb: MEMORY_TARGET_MB },
      about:
        `C: the gateway on a SQLite file seeded before it starts with ${GATEWAY_SCALE.historyDays} days of history written in its own schema: one occupancy sample every ${GATEWAY_SCALE.sampleIntervalS} s for the lot and each of ${GATEWAY_SCALE.zones} zones (86,400 per scope), and ${GATEWAY_SCALE.eventsPerSpotDay} change events per spot per day, at most ${GATEWAY_SCALE.maxEvents.toLocaleString("en-US")} in all. ` +
        `Then one retained report per spot, then heartbeats at spots / ${GATEWAY_SCALE.heartbeatS} per second (QoS 1) throughout; after ${GATEWAY_SCALE.settleS} s, gateway CPU over ${GATEWAY_SCALE.cpuWindowS} s and its memory; then ${GATEWAY_SCALE.currentRequests} sequential \`GET /api/current\` and ${GATEWAY_SCALE.hourlyRequests} \`GET /api/stats/hourly?from=<30 days ago>\` (each stops after ${GATEWAY_SCALE.timeBoxS} s, at least 10). ` +
        `Targets at ${SCALE_TARGET_SPOTS.toLocaleString("en-US")} spots. MB = 10⁶ bytes (the issue's ${MEMORY_TARGET_MB} MB is ${(MEMORY_TARGET_MB / MB_PER_MIB).toFixed(1)} MiB); heap figures are the gateway's own prom-client metrics, MiB. ` +
        "Limits in the same run: an idle bare `node` process's RSS; `GET /api/health` (a database ping, no lot) for `/api/current`; the store's hourly SQL run straight on the file for `/api/stats/hourly`.",
    },
    {
      file: "fanout",
      title: "Live-stream fan-out benchmarks",
      prefixes: ["F"],
      settings: { fanout: FANOUT },
      about:
        `F: ${FANOUT.clients} clients on \`/api/stream\` (raw node:http, one socket each, in the bench process), ${FANOUT.spots} spots, ${FANOUT.rate} state changes/s for ${FANOUT.durationS} s; publish → \`spot\` event at each client, for every client and event. ` +
        "The limit is the same stream to 1 client, in the same run, each on a fresh gateway.",
    },
    {
      file: "simulator",
      title: "Simulator benchmarks",
      prefixes: ["S"],
      settings: { scale: SCALE, accuracy: ACCURACY },
      about:
        `S1: \`parking simulate --spots ${SCALE.spots}\`, one MQTT connection per node, real speed, against Mosquitto and the gateway; CPU over ${SCALE.measureS} s once every spot reported. ` +
        `S2: ${ACCURACY.spots} spots, ${ACCURACY.profile} profile, ${ACCURACY.duration} simulated from ${ACCURACY.start} at ×${ACCURACY.speed}, scored from the truth file against \`/api/history\` on the simulated clock (the nodes' \`reported_at\`).`,
    },
    {
      file: "firmware-memory",
      title: "Firmware memory benchmarks",
      prefixes: ["M"],
      settings: { memory: MEMORY },
      about:
        `M1: the minified bundle on the ESP32-format Espruino host build (14-byte JsVars, 16,383 of them), started as \`parking flash\` leaves a node, with a filler leaving N JsVars free before it loads; for each path the least N with which it works, by bisection (${MEMORY.low}-${MEMORY.high}, to ${MEMORY.step}), ${MEMORY.runs} times; the six paths run side by side, each with its own Mosquitto. ` +
        "A trial works when the path's line or message comes and Espruino prints nothing about memory or a dropped handler. boot: boot report and one more cycle; change: an echo at 120 cm gives a change report; config: one good and one bad config message; calibrate: 150 pings and the new threshold; reconnect: Mosquitto restarted, the node back and reporting a change; battery: a wake with battery_mode, up to ESP32.deepSleep. " +
        `Target: every path within ${MEMORY.budget} free JsVars, what an ESP32 with Wi-Fi and BLE has.`,
    },
    {
      file: "dashboard",
      title: "Dashboard benchmarks",
      prefixes: ["D"],
      settings: { first_render: FIRST_RENDER, live: LIVE, asset_budget_bytes: ASSET_BUDGET },
      about:
        `Headless Chromium (--headless --no-sandbox --disable-gpu) against the gateway with a fresh Mosquitto, ${FIRST_RENDER.spots} spots in ${FIRST_RENDER.zones} zones (retained reports, every third occupied). ` +
        `D1: ${FIRST_RENDER.runs} loads of \`/\`, each in a fresh context (empty cache, service workers blocked); time in the page's clock from navigation start to the first animation frame with every spot on the map and the total card at ${FIRST_RENDER.spots}. ` +
        `D2: the live page while ${LIVE.rate} spot changes/s are published (QoS 1) for ${LIVE.durationS} s; frames from a requestAnimationFrame loop in the page, publish → \`data-state\` change (MutationObserver, Date.now() on the same machine) for every ${LIVE.sampleEvery}th change. ` +
        `D3: the top-level files the gateway serves from dist/dashboard, without source maps; the build's .gz/.br sizes, else compressed here.`,
    },
  ];
  const dir = join(REPO_ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  for (const group of groups) {
    const inGroup = (name: string): boolean => group.prefixes.some((p) => name.startsWith(p));
    const own = measurements.filter((m) => inGroup(m.benchmark));
    const ownErrors = errors.filter((e) => inGroup(e.benchmark));
    // A run limited by BENCH_ONLY leaves the other groups' last results alone.
    if (own.length === 0 && ownErrors.length === 0) continue;
    // Every note starts with its benchmark's short name, so it goes with that group only.
    const ownNotes = notes.filter(inGroup);
    const ownPanels = panels.filter((p) => inGroup(p.benchmark)).map((p) => p.panel);
    const json = {
      ...environment,
      wall_time_s: Number(totalS.toFixed(1)),
      bench_only: only ?? null,
      settings: group.settings,
      measurements: own,
      notes: ownNotes,
      errors: ownErrors,
    };
    writeAtomically(join(dir, `${group.file}.json`), `${JSON.stringify(json, null, 2)}\n`);
    const md = [
      `# ${group.title}`,
      "",
      machine,
      "",
      `Whole run, ${wall}.`,
      "",
      group.about,
      "",
      `![${group.title}](${group.file}.svg)`,
      "",
      markdownTable(header, rowsOf(own)),
      ...(ownNotes.length > 0 ? ["", ...ownNotes.map((n) => `- ${n}`)] : []),
      ...ownErrors.map((e) => `\n**Error in ${e.benchmark}:** ${e.error.split("\n")[0]}`),
      "",
    ].join("\n");
    writeAtomically(join(dir, `${group.file}.md`), md);
    const failed = ownErrors.map((e) => `failed: ${e.benchmark.split(":")[0]}`);
    writeAtomically(
      join(dir, `${group.file}.svg`),
      chartSvg(`${group.title}${failed.length > 0 ? ` (${failed.join(", ")})` : ""}`, ownPanels),
    );
    console.log(`written: bench/results/${group.file}.{json,md,svg}`);
  }
  // A benchmark reports, it does not gate: only a run that could not measure fails.
  if (errors.length > 0) process.exitCode = 1;
}

/** CPU seconds over an elapsed time, as percent of one core. */
function cpuPercent(seconds: number | null, elapsedS: number): number | null {
  return seconds === null ? null : (100 * seconds) / elapsedS;
}

async function ingestBenchmark(
  b: string,
  o: IngestOptions,
  rigName: string,
  db?: "sqlite" | "postgres",
  limit?: Limit,
): Promise<IngestResult> {
  return withRig(
    rigName,
    async (rig) => {
      console.log(
        `  ${o.total} reports on ${o.spots} spots / ${o.zones} zones, ${o.clients} publishers (window ${o.window}), at most ${o.maxBacklog} uncommitted`,
      );
      const r = await runIngest(rig, o);
      const cpu = (s: number | null) => cpuPercent(s, r.elapsedS);
      measure(b, "sustained rate (publish → committed)", r.reportsPerS, "reports/s", undefined, limit);
      measure(b, "sent", r.sent, "reports");
      measure(b, "lost (sent − stored)", r.lost, "reports", { op: "==", value: 0 });
      measure(b, "elapsed, first publish → last commit", r.elapsedS, "s");
      measure(b, "commits", r.commits, "");
      measure(b, "mean reports per commit", r.reportsPerCommit, "");
      measure(b, "max commit duration (sampled)", r.maxCommitMs, "ms");
      measure(b, "max reports waiting for a commit", r.maxWaiting, "");
      measure(b, "duplicates + stale + rejected", r.duplicates + r.stale + r.rejected, "");
      measure(b, "gateway CPU (1 core = 100 %)", cpu(r.gatewayCpuS), "%");
      measure(b, "mosquitto CPU", cpu(r.mosquittoCpuS), "%");
      measure(b, "bench process CPU (publishers)", cpu(r.benchCpuS), "%");
      measure(b, "gateway peak RSS (VmHWM)", r.gatewayPeakRssMiB, "MiB");
      measure(b, "publishers paused for the backlog", r.throttledS, "s");
      if (r.stalled) note(`${b}: the gateway stopped receiving before it had every report`);
      if (r.brokerDropped)
        note(`${b}: Mosquitto logged "Outgoing messages are being dropped for client parking-gateway"`);
      return r;
    },
    db ? { db } : {},
  );
}

function recordScale(b: string, spots: number, r: GatewayScaleResult, bareNodeMb: number | null): void {
  const judged = spots === SCALE_TARGET_SPOTS;
  const t = (target: Target): Target | undefined => (judged ? target : undefined);
  const mb = (mib: number | null) => (mib === null ? null : mib * MB_PER_MIB);
  const memoryTarget = t({ op: "<", value: MEMORY_TARGET_MB });
  const nodeLimit: Limit = { label: "bare node", value: bareNodeMb };
  measure(b, "spots in /api/current", r.spotsInCurrent, "spots", { op: "==", value: spots });
  measure(b, "start → every spot's report accepted", r.allKnownS, "s");
  measure(b, "heartbeats published", r.heartbeatsPerS, "reports/s", undefined, {
    label: "asked",
    value: spots / GATEWAY_SCALE.heartbeatS,
  });
  measure(b, "gateway CPU with heartbeats, no API requests", r.cpuPercent, "%");
  measure(b, "gateway RSS, steady (VmRSS)", mb(r.rssMiB), "MB", memoryTarget, nodeLimit);
  measure(
    b,
    "gateway peak RSS before API requests (VmHWM)",
    mb(r.peakRssBeforeApiMiB),
    "MB",
    memoryTarget,
    nodeLimit,
  );
  measure(b, "gateway peak RSS at the end (VmHWM)", mb(r.peakRssMiB), "MB");
  measure(b, "V8 heap used", r.heapUsedMiB, "MiB");
  measure(b, "V8 heap committed", r.heapTotalMiB, "MiB");
  measure(b, "of which young generation (new space)", r.newSpaceMiB, "MiB");
  measure(b, "external (buffers, SQLite's allocator not included)", r.externalMiB, "MiB");
  const health = (v: number): Limit => ({ label: "/api/health", value: v });
  measure(b, "GET /api/current p50", r.current.p50, "ms", undefined, health(r.health.p50));
  measure(
    b,
    "GET /api/current p99",
    r.current.p99,
    "ms",
    t({ op: "<", value: CURRENT_TARGET_MS }),
    health(r.health.p99),
  );
  measure(b, "GET /api/current requests (after 20 not timed)", r.current.count, "");
  measure(b, "GET /api/current, the first one", r.currentFirstMs, "ms");
  measure(b, "GET /api/current body", r.currentBytes / 1e6, "MB");
  const sql = (v: number): Limit => ({ label: "SQL alone", value: v });
  measure(b, "GET /api/stats/hourly (30 days) p50", r.hourly.p50, "ms", undefined, sql(r.hourlySql.p50));
  measure(
    b,
    "GET /api/stats/hourly (30 days) p99",
    r.hourly.p99,
    "ms",
    t({ op: "<", value: HOURLY_TARGET_MS }),
    sql(r.hourlySql.p99),
  );
  measure(b, "GET /api/stats/hourly, the first one", r.hourlyFirstMs, "ms");
  measure(b, "samples the hourly answer counts", r.hourlySamples, "");
  note(
    `${b}: seeded ${r.seed.samples.toLocaleString("en-US")} occupancy samples and ${r.seed.events.toLocaleString("en-US")} change events (${r.seed.fileMiB.toFixed(0)} MiB file) in ${r.seed.seconds.toFixed(1)} s`,
  );
}

function chartScale(scales: Map<number, GatewayScaleResult>, bareNodeMb: number | null): void {
  const label = (spots: number) => `${spots.toLocaleString("en-US")} spots`;
  const judged = (spots: number, target: Target) => (spots === SCALE_TARGET_SPOTS ? target : undefined);
  const memoryTarget: Target = { op: "<", value: MEMORY_TARGET_MB };
  const memory: Bar[] = [{ label: "bare node process", value: bareNodeMb, kind: "limit" }];
  const current: Bar[] = [];
  const hourly: Bar[] = [];
  const cpu: Bar[] = [];
  for (const [spots, r] of scales) {
    const mb = (mib: number | null) => (mib === null ? null : mib * MB_PER_MIB);
    memory.push(
      measuredBar(`${label(spots)}, RSS steady`, mb(r.rssMiB), judged(spots, memoryTarget)),
      measuredBar(`${label(spots)}, peak before API`, mb(r.peakRssBeforeApiMiB), judged(spots, memoryTarget)),
    );
    current.push(
      { label: `${label(spots)}, /api/health`, value: r.health.p99, kind: "limit" },
      measuredBar(
        `${label(spots)}, /api/current`,
        r.current.p99,
        judged(spots, { op: "<", value: CURRENT_TARGET_MS }),
      ),
    );
    hourly.push(
      { label: `${label(spots)}, SQL alone`, value: r.hourlySql.p99, kind: "limit" },
      measuredBar(
        `${label(spots)}, /api/stats/hourly`,
        r.hourly.p99,
        judged(spots, { op: "<", value: HOURLY_TARGET_MS }),
      ),
    );
    cpu.push(measuredBar(label(spots), r.cpuPercent));
  }
  const at = SCALE_TARGET_SPOTS.toLocaleString("en-US");
  chart("C scale", {
    title: "C: gateway memory",
    unit: "MB",
    bars: memory,
    target: { value: MEMORY_TARGET_MB, label: `target < ${MEMORY_TARGET_MB} MB at ${at}` },
  });
  chart("C scale", {
    title: "C: GET /api/current p99",
    unit: "ms",
    bars: current,
    target: { value: CURRENT_TARGET_MS, label: `target < ${CURRENT_TARGET_MS} ms at ${at}` },
  });
  chart("C scale", {
    title: "C: GET /api/stats/hourly over 30 days, p99",
    unit: "ms",
    bars: hourly,
    target: { value: HOURLY_TARGET_MS, label: `target < ${HOURLY_TARGET_MS} ms at ${at}` },
  });
  chart("C scale", { title: "C: gateway CPU with heartbeats", unit: "% of a core", bars: cpu });
}

function recordFanout(b: string, r: FanoutResult, limit?: FanoutResult): void {
  const lim = (v: number | undefined): Limit | undefined =>
    limit && v !== undefined ? { label: "1 client", value: v } : undefined;
  const target: Target | undefined = r.clients > 1 ? { op: "<", value: FANOUT_TARGET_MS } : undefined;
  measure(b, "clients connected", r.connected, "", { op: "==", value: r.clients });
  measure(b, "publish rate achieved", r.sentPerS, "reports/s");
  measure(b, "publish → event p50", r.latency.p50, "ms", undefined, lim(limit?.latency.p50));
  measure(b, "publish → event p95", r.latency.p95, "ms", undefined, lim(limit?.latency.p95));
  measure(b, "publish → event p99", r.latency.p99, "ms", target, lim(limit?.latency.p99));
  measure(b, "publish → event max", r.latency.max, "ms", undefined, lim(limit?.latency.max));
  measure(b, "events expected (reports × clients)", r.expected, "");
  measure(b, "events received", r.received, "", { op: "==", value: r.expected });
  measure(b, "clients closed before the end", r.clientsClosed, "", { op: "==", value: 0 });
  measure(b, "clients dropped as slow by the gateway", r.droppedSlowClients, "", { op: "==", value: 0 });
  measure(b, "gateway CPU", r.gatewayCpuPercent, "%");
  measure(b, "bench process CPU (clients + publisher)", r.benchCpuPercent, "%");
}

/** RSS of a Node process doing nothing: the floor under any Node program's memory. */
async function bareNodeRssMiB(): Promise<number | null> {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
  try {
    await new Promise((r) => setTimeout(r, 1_000));
    return rssMiB(child.pid as number);
  } finally {
    child.kill("SIGKILL");
  }
}

function measured(benchmark: string, metric: string): number | null {
  return measurements.find((m) => m.benchmark === benchmark && m.metric === metric)?.value ?? null;
}

/** The simulator's and the dashboard's headline numbers against their targets. */
function chartSimulatorAndDashboard(): void {
  const simCpu = measured("S1 scale", "simulator CPU (1 core = 100 %)");
  if (simCpu !== null) {
    chart("S1 scale", {
      title: `S1: ${SCALE.spots.toLocaleString("en-US")} simulated nodes, CPU`,
      unit: "% of a core",
      bars: [
        measuredBar("simulator", simCpu, { op: "<", value: 100 }),
        measuredBar("gateway", measured("S1 scale", "gateway CPU")),
      ],
      target: { value: 100, label: "target < 100 %" },
    });
  }
  const agreement = measured("S2 accuracy", "spot-time where the gateway matched the truth");
  if (agreement !== null) {
    chart("S2 accuracy", {
      title: "S2: spot-time where the gateway matched the truth",
      unit: "%",
      bars: [measuredBar("agreement", agreement, { op: ">=", value: 99 })],
      target: { value: 99, label: "target ≥ 99 %" },
    });
  }
  const render = measured("D1 first render", "all spots + total shown, median");
  if (render !== null) {
    chart("D1 first render", {
      title: `D1: first render, ${FIRST_RENDER.spots.toLocaleString("en-US")} spots`,
      unit: "ms",
      bars: [
        measuredBar(
          "first-contentful-paint, median",
          measured("D1 first render", "first-contentful-paint, median"),
        ),
        measuredBar("all spots shown, median", render, { op: "<", value: 1000 }),
      ],
      target: { value: 1000, label: "target < 1,000 ms" },
    });
  }
  const delay = measured("D2 live updates", "publish → shown in page, p95");
  if (delay !== null) {
    chart("D2 live updates", {
      title: `D2: ${LIVE.rate} changes/s, publish → shown in the page`,
      unit: "ms",
      bars: [
        measuredBar("p50", measured("D2 live updates", "publish → shown in page, p50")),
        measuredBar("p95", delay),
        measuredBar("max", measured("D2 live updates", "publish → shown in page, max")),
      ],
    });
  }
  const gzip = measured("D3 asset size", "all assets, gzip");
  if (gzip !== null) {
    chart("D3 asset size", {
      title: "D3: dashboard assets",
      unit: "bytes",
      bars: [
        measuredBar("gzip", gzip, { op: "<=", value: ASSET_BUDGET }),
        measuredBar("brotli", measured("D3 asset size", "all assets, brotli")),
      ],
      target: { value: ASSET_BUDGET, label: "budget 100 KB gzip" },
    });
  }
}

function median(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function rowsOf(list: Measurement[]): string[][] {
  return list.map((m) => [
    m.benchmark,
    m.metric,
    m.value === null ? "n/a" : formatNumber(m.value),
    m.unit,
    m.limit ? `${m.limit.label}: ${m.limit.value === null ? "n/a" : formatNumber(m.limit.value)}` : "",
    m.target ? `${m.target.op} ${formatNumber(m.target.value)}` : "",
    m.pass === undefined ? "" : m.pass ? "ok" : "MISSED",
  ]);
}

function writeAtomically(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return n.toLocaleString("en-US");
  return n.toLocaleString("en-US", { maximumFractionDigits: Math.abs(n) >= 100 ? 0 : 2 });
}

function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 2 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) =>
    `| ${cells.map((c) => (c === "MISSED" ? "**MISSED**" : c)).join(" | ")} |`;
  return [
    line(header),
    `| ${header.map((_, i) => (i === 2 ? "---:" : "---")).join(" | ")} |`,
    ...rows.map(line),
  ].join("\n");
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
