import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Mosquitto, startMosquitto } from "../../testkit/mosquitto.js";
import { type GatewayChild, startGatewayChild } from "./gateway.js";

/** What one benchmark runs against: a fresh Mosquitto and a fresh gateway child, in a temp dir. */
export interface Rig {
  dir: string;
  mosquitto: Mosquitto;
  gateway: GatewayChild;
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
 * for its clean exit), then Mosquitto, then the temp dir. With BENCH_CPU_PROF=<dir> the gateway
 * writes a V8 CPU profile there when it exits.
 */
export async function withRig<T>(name: string, fn: (rig: Rig) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `parking-bench-${name}-`));
  let mosquitto: Mosquitto | undefined;
  let gateway: GatewayChild | undefined;
  const entry: Live = {
    async stop() {
      await gateway?.stop();
      await mosquitto?.stop();
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
    mosquitto = await startMosquitto(dir);
    const profileDir = process.env.BENCH_CPU_PROF;
    if (profileDir) mkdirSync(profileDir, { recursive: true });
    gateway = await startGatewayChild({
      mqttUrl: mosquitto.url,
      dir,
      nodeArgs: profileDir
        ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`]
        : [],
    });
    return await fn({ dir, mosquitto, gateway });
  } finally {
    await entry.stop();
    live.delete(entry);
  }
}
