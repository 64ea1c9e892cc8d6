import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fetchObservations, type RunScore, scoreRun } from "../simulator/src/score.js";
import { parseTruth } from "../simulator/src/truth.js";
import { REPO_ROOT } from "../testkit/paths.js";
import { cpuSeconds, peakRssMiB } from "./support/proc.js";
import type { Rig } from "./support/rig.js";

export interface ScaleOptions {
  spots: number;
  zones: number;
  /** Real seconds CPU is measured over, once every spot is in the gateway and heartbeats run. */
  measureS: number;
}

export interface ScaleResult {
  /** Real seconds from start until every node was connected and known to the gateway. */
  allKnownS: number;
  spotsInGateway: number;
  simulatorCpuPercent: number;
  simulatorPeakRssMiB: number | null;
  gatewayCpuPercent: number;
  gatewayPeakRssMiB: number | null;
  reportsPerS: number;
  connected: number;
}

export interface AccuracyOptions {
  spots: number;
  zones: number;
  speed: number;
  /** Simulated duration, e.g. "12h". */
  duration: string;
  start: string;
  profile: string;
  seed: number;
}

interface SimulatorChild {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** `parking simulate` as a child process against the rig's broker, so its CPU is its own. */
function spawnSimulator(rig: Rig, lot: { spots: number; zones: number }, args: string[]): SimulatorChild {
  const common = [
    "--mqtt-url",
    rig.mosquitto.url,
    "--spots",
    String(lot.spots),
    "--zone-count",
    String(lot.zones),
    "--no-status",
    "--log-level",
    "warn",
  ];
  const cli = join(REPO_ROOT, "dist", "cli", "main.js");
  const proc = spawn(process.execPath, [cli, "simulate", ...common, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  proc.stdout?.on("data", keep);
  proc.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  return {
    proc,
    output: () => output,
    exited,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const HEARTBEAT_WARMUP_MS = 35_000;

async function currentTotal(baseUrl: string): Promise<number> {
  const response = await fetch(`${baseUrl}/api/current`);
  const body = (await response.json()) as { total: number; offline: number; unknown: number };
  return body.total - body.offline - body.unknown;
}

/**
 * S1: a lot of `spots` nodes, one MQTT connection each, against a real Mosquitto and the
 * gateway; the simulator's own CPU over `measureS` real seconds once every spot reports.
 */
export async function runScale(rig: Rig, o: ScaleOptions): Promise<ScaleResult> {
  const started = performance.now();
  const sim = spawnSimulator(rig, o, ["--speed", "1", "--seed", "1"]);
  try {
    const deadline = performance.now() + 180_000;
    for (;;) {
      const known = await currentTotal(rig.gateway.baseUrl);
      if (known >= o.spots) break;
      if (sim.proc.exitCode !== null) throw new Error(`the simulator exited:\n${sim.output()}`);
      if (performance.now() > deadline) {
        throw new Error(`only ${known} of ${o.spots} spots reached the gateway in 180 s:\n${sim.output()}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    const allKnownS = (performance.now() - started) / 1000;
    // Every node boots with a report, and its first heartbeat is 30 s later: measure after that.
    await new Promise((r) => setTimeout(r, HEARTBEAT_WARMUP_MS));
    const pid = sim.proc.pid as number;
    const simCpu0 = cpuSeconds(pid) ?? 0;
    const gwCpu0 = rig.gateway.cpuSeconds() ?? 0;
    const accepted0 = (await rig.gateway.health()).ingest.accepted;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, o.measureS * 1000));
    const elapsed = (performance.now() - t0) / 1000;
    const simCpu = ((cpuSeconds(pid) ?? simCpu0) - simCpu0) / elapsed;
    const gwCpu = ((rig.gateway.cpuSeconds() ?? gwCpu0) - gwCpu0) / elapsed;
    const accepted = (await rig.gateway.health()).ingest.accepted;
    return {
      allKnownS,
      spotsInGateway: await currentTotal(rig.gateway.baseUrl),
      simulatorCpuPercent: 100 * simCpu,
      simulatorPeakRssMiB: peakRssMiB(pid),
      gatewayCpuPercent: 100 * gwCpu,
      gatewayPeakRssMiB: rig.gateway.peakRssMiB(),
      reportsPerS: (accepted - accepted0) / elapsed,
      connected: o.spots,
    };
  } finally {
    await sim.stop();
  }
}

/**
 * S2: a long run scored from the truth file against the gateway's history: the share of
 * spot-time the gateway had right, and how many measurement cycles arrivals took to show.
 */
export async function runAccuracy(rig: Rig, o: AccuracyOptions): Promise<RunScore & { realS: number }> {
  const truthFile = join(rig.dir, "truth.jsonl");
  const started = performance.now();
  const sim = spawnSimulator(rig, o, [
    "--speed",
    String(o.speed),
    "--duration",
    o.duration,
    "--start",
    o.start,
    "--profile",
    o.profile,
    "--seed",
    String(o.seed),
    "--truth",
    truthFile,
  ]);
  const code = await sim.exited;
  if (code !== 0) throw new Error(`the simulator exited with ${code}:\n${sim.output()}`);
  const realS = (performance.now() - started) / 1000;
  // The last reports may still be on their way into the store.
  await new Promise((r) => setTimeout(r, 2_000));
  const truth = parseTruth(readFileSync(truthFile, "utf8"));
  const score = scoreRun(truth, await fetchObservations(rig.gateway.baseUrl, truth));
  return { ...score, realS };
}
