import { spawn } from "node:child_process";
import { join } from "node:path";
import { GATEWAY_NODE_FLAGS } from "../../cli/nodeFlags.js";
import { REPO_ROOT } from "../../testkit/paths.js";
import { cpuSeconds, peakRssMiB } from "./proc.js";

/** The parts of GET /api/health the benchmarks read. */
export interface Health {
  mqtt: { ok: boolean };
  ingest: { accepted: number; duplicates: number; stale: number; rejected_total: number };
  store_writer: { waiting: number; commits: number; failures: number; last_commit_ms: number };
  live: { clients: number; dropped_slow_clients: number };
}

export interface GatewayChild {
  pid: number;
  baseUrl: string;
  /** The SQLite file, or the postgres:// URL. */
  dbFile: string;
  health(): Promise<Health>;
  /** VmHWM of the gateway process, MiB. */
  peakRssMiB(): number | null;
  cpuSeconds(): number | null;
  /** The last of its stdout and stderr, for error messages. */
  log(): string;
  /** SIGTERM, then waits for a clean exit (SIGKILL after 15 s). Safe to call twice. */
  stop(): Promise<void>;
}

export interface GatewayOptions {
  mqttUrl: string;
  /** Temp dir of this benchmark: the SQLite database goes there. */
  dir: string;
  /** A postgres:// URL instead of the SQLite file in `dir`. */
  db?: string;
  /** Extra `parking gateway` flags. */
  args?: string[];
  /** Extra node flags for the child, e.g. --cpu-prof. */
  nodeArgs?: string[];
}

const START_TIMEOUT_MS = 20_000;

/** The built `parking gateway` CLI as a child process, so its CPU is its own. */
export async function startGatewayChild(options: GatewayOptions): Promise<GatewayChild> {
  const dbFile = options.db ?? join(options.dir, "parking.db");
  const args = [
    // As npm start and the systemd unit run it.
    ...GATEWAY_NODE_FLAGS,
    ...(options.nodeArgs ?? []),
    join(REPO_ROOT, "dist", "cli", "main.js"),
    "gateway",
    "--mqtt-url",
    options.mqttUrl,
    "--http-port",
    "0",
    "--host",
    "127.0.0.1",
    "--db",
    dbFile,
    // info, not warn: the line that says which HTTP port was picked is an info line.
    "--log-level",
    "info",
    // The API's per-address limit (1 200 requests/min) would answer the benchmarks' requests 429.
    "--rate-limit",
    "0",
    ...(options.args ?? []),
  ];
  const proc = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let pending = "";
  let onPort: (port: number) => void = () => {};
  const port = new Promise<number>((resolve) => {
    onPort = resolve;
  });
  proc.stdout?.on("data", (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      output = `${output}${line}\n`.slice(-20_000);
      if (!line.startsWith("{")) continue;
      try {
        const record = JSON.parse(line) as { httpPort?: unknown };
        if (typeof record.httpPort === "number") onPort(record.httpPort);
      } catch {
        // not a log record
      }
    }
  });
  proc.stderr?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  };

  let timer: NodeJS.Timeout | undefined;
  const failed = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error("did not log its httpPort in time")), START_TIMEOUT_MS);
    void exited.then(() => reject(new Error(`exited with ${proc.exitCode ?? proc.signalCode}`)));
  });
  let httpPort: number;
  try {
    httpPort = await Promise.race([port, failed]);
  } catch (error) {
    await stop();
    throw new Error(`gateway ${(error as Error).message}:\n${output}`);
  } finally {
    clearTimeout(timer);
  }
  failed.catch(() => {});

  const pid = proc.pid as number;
  const baseUrl = `http://127.0.0.1:${httpPort}`;
  const gateway: GatewayChild = {
    pid,
    baseUrl,
    dbFile,
    async health() {
      const response = await fetch(`${baseUrl}/api/health`);
      if (!response.ok) throw new Error(`GET /api/health answered ${response.status}`);
      return (await response.json()) as Health;
    },
    peakRssMiB: () => peakRssMiB(pid),
    cpuSeconds: () => cpuSeconds(pid),
    log: () => output,
    stop,
  };
  await waitFor(gateway, (h) => h.mqtt.ok, 10_000, "the gateway to connect to Mosquitto");
  return gateway;
}

/** Polls health until `done` holds; throws with what it last saw after `timeoutMs`. */
export async function waitFor(
  gateway: GatewayChild,
  done: (h: Health) => boolean,
  timeoutMs: number,
  what: string,
  intervalMs = 50,
): Promise<Health> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const health = await gateway.health();
    if (done(health)) return health;
    if (performance.now() > deadline)
      throw new Error(`timed out waiting for ${what}; health: ${JSON.stringify(health)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
