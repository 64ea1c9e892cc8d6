import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Mosquitto, startMosquitto } from "../../testkit/mosquitto.js";
import { type GatewayChild, startGatewayChild } from "./gateway.js";
import { type BenchDatabase, createBenchDatabase } from "./postgres.js";

/** What one benchmark runs against: a fresh Mosquitto and a fresh gateway child, in a temp dir. */
export interface Rig {
  dir: string;
  mosquitto: Mosquitto;
  gateway: GatewayChild;
}

/** A fresh Mosquitto alone (no gateway), in a temp dir: for the limits the gateway is measured against. */
export interface BrokerRig {
  dir: string;
  mosquitto: Mosquitto;
}

export interface RigOptions {
  /** "postgres": a throwaway database on the local PostgreSQL server instead of a SQLite file. */
  db?: "sqlite" | "postgres";
  /** Runs before the gateway starts, e.g. to seed its SQLite file (`<dir>/parking.db`). */
  before?: (dir: string) => Promise<void>;
  /** Extra `parking gateway` flags. */
  gatewayArgs?: string[];
  /** Extra node flags for the gateway child, e.g. --heapsnapshot-signal=SIGUSR2. */
  nodeArgs?: string[];
}

interface Live {
  /** Orderly: SIGTERM each and wait. */
  stop(): Promise<void>;
  /** Last resort on exit, synchronous: SIGKILL what is left, remove the dir. */
  kill(): void;
}

/** Every rig still up, so an interrupted or crashing run cleans up too. */
const live = new Set<Live>();

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the gateway and Mosquitto`);
    void Promise.allSettled([...live].map((l) => l.stop())).then(() => process.exit(130));
  });
}
process.once("exit", () => {
  for (const l of live) l.kill();
});

/**
 * Runs `fn` against a fresh rig and always tears it down: the gateway first (SIGTERM, waiting
 * for its clean exit), then Mosquitto, then the PostgreSQL database if any, then the temp dir.
 * With BENCH_CPU_PROF=<dir> the gateway writes a V8 CPU profile there when it exits.
 */
export async function withRig<T>(
  name: string,
  fn: (rig: Rig) => Promise<T>,
  options: RigOptions = {},
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `parking-bench-${name}-`));
  let mosquitto: Mosquitto | undefined;
  let gateway: GatewayChild | undefined;
  let database: BenchDatabase | undefined;
  const entry: Live = {
    async stop() {
      await gateway?.stop();
      await mosquitto?.stop();
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
    kill() {
      for (const pid of [gateway?.pid, mosquitto?.pid]) {
        try {
          if (pid !== undefined) process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  live.add(entry);
  try {
    if (options.db === "postgres") database = await createBenchDatabase();
    await options.before?.(dir);
    mosquitto = await startMosquitto(dir);
    const profileDir = process.env.BENCH_CPU_PROF;
    if (profileDir) mkdirSync(profileDir, { recursive: true });
    gateway = await startGatewayChild({
      mqttUrl: mosquitto.url,
      dir,
      ...(database ? { db: database.url } : {}),
      args: options.gatewayArgs ?? [],
      nodeArgs: [
        ...(options.nodeArgs ?? []),
        ...(profileDir
          ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`]
          : []),
      ],
    });
    return await fn({ dir, mosquitto, gateway });
  } finally {
    await entry.stop();
    live.delete(entry);
  }
}

/** Runs `fn` against a fresh Mosquitto with the gateway's broker settings and no gateway; always tears it down. */
export async function withBroker<T>(name: string, fn: (rig: BrokerRig) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `parking-bench-${name}-`));
  let mosquitto: Mosquitto | undefined;
  const entry: Live = {
    async stop() {
      await mosquitto?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    kill() {
      try {
        if (mosquitto) process.kill(mosquitto.pid, "SIGKILL");
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  live.add(entry);
  try {
    mosquitto = await startMosquitto(dir);
    return await fn({ dir, mosquitto });
  } finally {
    await entry.stop();
    live.delete(entry);
  }
}
