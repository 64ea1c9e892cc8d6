import { spawnSync } from "node:child_process";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { mosquittoBinary } from "../testkit/mosquitto.js";
import { REPO_ROOT } from "../testkit/paths.js";
import {
  assetSizes,
  type FirstRenderOptions,
  type LiveOptions,
  runFirstRender,
  runLiveUpdates,
} from "./dashboard.js";
import { type IngestOptions, runIngest } from "./ingest.js";
import { type LatencyOptions, runLatency } from "./latency.js";
import { type AccuracyOptions, runAccuracy, runScale, type ScaleOptions } from "./simulator.js";
import { withRig } from "./support/rig.js";

/** One measured number; `target` when it has one to meet. */
interface Measurement {
  benchmark: string;
  metric: string;
  value: number | null;
  unit: string;
  target?: { op: ">=" | "<" | "<=" | "=="; value: number };
  pass?: boolean;
}

const INGEST = {
  spots: 2_000,
  zones: 20,
  total: Number(process.env.BENCH_TOTAL ?? 200_000),
  clients: 4,
  window: 500,
};
/** Half of max_queued_messages in gateway-session.conf: the broker may queue, but never past its limit. */
const BURST: IngestOptions = { ...INGEST, maxBacklog: 50_000 };
/** Below the gateway's MQTT receive maximum (1 000): the broker never has to queue for it. */
const PACED: IngestOptions = { ...INGEST, maxBacklog: 900 };
const LATENCY: LatencyOptions = { spots: 2_000, zones: 20, rate: 1_000, durationS: 10, tickMs: 10 };
/** The issue's scale: 10 000 nodes, one connection each, at real speed. */
const SCALE: ScaleOptions = { spots: Number(process.env.BENCH_SIM_SPOTS ?? 10_000), zones: 10, measureS: 60 };
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

const measurements: Measurement[] = [];
const errors: Array<{ benchmark: string; error: string }> = [];
const notes: string[] = [];

function note(text: string): void {
  console.log(`  ${text}`);
  notes.push(text);
}

function measure(
  benchmark: string,
  metric: string,
  value: number | null,
  unit: string,
  target?: Measurement["target"],
): void {
  const m: Measurement = { benchmark, metric, value, unit };
  if (target) {
    m.target = target;
    m.pass = value !== null && meets(value, target);
  }
  measurements.push(m);
}

function meets(value: number, { op, value: goal }: NonNullable<Measurement["target"]>): boolean {
  if (op === ">=") return value >= goal;
  if (op === "<") return value < goal;
  if (op === "<=") return value <= goal;
  return value === goal;
}

/** BENCH_ONLY=A2 (or A, or B) runs only the benchmarks whose name starts so. */
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
    `ingest benchmarks: node ${environment.node}, ${environment.cpus} × ${environment.cpu_model}, mosquitto ${environment.mosquitto}`,
  );

  await benchmark("A1: sustained ingest, QoS 1, as fast as the broker takes it", () =>
    ingestBenchmark("A1 burst", BURST),
  );
  await benchmark("A2: sustained ingest, QoS 1, paced below the receive maximum", () =>
    ingestBenchmark("A2 paced", PACED),
  );

  await benchmark("B: publish → SSE latency at 1 000 reports/s (fresh gateway)", () =>
    withRig("latency", async (rig) => {
      const o = LATENCY;
      console.log(
        `  ${o.rate} reports/s for ${o.durationS} s (${(o.rate * o.tickMs) / 1000} every ${o.tickMs} ms)`,
      );
      const r = await runLatency(rig, o);
      const b = "B latency";
      measure(b, "p50", r.latency.p50, "ms");
      measure(b, "p95", r.latency.p95, "ms");
      measure(b, "p99", r.latency.p99, "ms", { op: "<", value: 25 });
      measure(b, "max", r.latency.max, "ms");
      measure(b, "sent", r.sent, "reports");
      measure(b, "received on SSE", r.received, "events", { op: "==", value: r.sent });
      measure(b, "publish rate achieved", r.sentPerS, "reports/s");
      measure(b, "commits", r.commits, "");
      measure(b, "SSE clients dropped as slow", r.droppedSseClients, "");
    }),
  );

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

  const header = ["benchmark", "metric", "value", "unit", "target", "result"];
  console.log(`\n${textTable(header, rowsOf(measurements))}`);
  for (const e of errors) console.log(`ERROR in ${e.benchmark}: ${e.error.split("\n")[0]}`);

  const machine = `${environment.date} · node ${environment.node} · ${environment.cpus} × ${environment.cpu_model} · mosquitto ${environment.mosquitto}`;
  const groups = [
    {
      file: "ingest",
      title: "Ingest benchmarks",
      prefixes: ["A", "B"],
      settings: { ingest_burst: BURST, ingest_paced: PACED, latency: LATENCY },
      about:
        `A: ${INGEST.total} QoS 1 reports, ${INGEST.spots} spots in ${INGEST.zones} zones, ${INGEST.clients} publishers (window ${INGEST.window}); ` +
        `A1 keeps at most ${BURST.maxBacklog} reports uncommitted, A2 at most ${PACED.maxBacklog}. ` +
        `B: ${LATENCY.rate} reports/s for ${LATENCY.durationS} s, publish → SSE \`spot\` event, fresh gateway.`,
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
    const json = {
      ...environment,
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
      group.about,
      "",
      markdownTable(header, rowsOf(own)),
      ...(ownNotes.length > 0 ? ["", ...ownNotes.map((n) => `- ${n}`)] : []),
      ...ownErrors.map((e) => `\n**Error in ${e.benchmark}:** ${e.error.split("\n")[0]}`),
      "",
    ].join("\n");
    writeAtomically(join(dir, `${group.file}.md`), md);
    console.log(`written: bench/results/${group.file}.json, bench/results/${group.file}.md`);
  }
  // A benchmark reports, it does not gate: only a run that could not measure fails.
  if (errors.length > 0) process.exitCode = 1;
}

function ingestBenchmark(b: string, o: IngestOptions): Promise<void> {
  return withRig("ingest", async (rig) => {
    console.log(
      `  ${o.total} reports on ${o.spots} spots / ${o.zones} zones, ${o.clients} publishers (window ${o.window}), at most ${o.maxBacklog} uncommitted`,
    );
    const r = await runIngest(rig, o);
    const cpu = (s: number | null) => (s === null ? null : (100 * s) / r.elapsedS);
    // A run that stalled did not get everything: its rate is shown, but judged by `lost`.
    const rateTarget = r.stalled ? undefined : ({ op: ">=", value: 10_000 } as const);
    measure(b, "sustained rate (publish → committed)", r.reportsPerS, "reports/s", rateTarget);
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
  });
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
