import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../../../dist/cli/main.js", import.meta.url));

export interface GatewayProcess {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the HTTP port once the gateway says it listens. */
  httpPort: Promise<number>;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

/** The built `parking` CLI as a real process: what a person or systemd runs. */
export function spawnParking(args: string[], env: Record<string, string> = {}): GatewayProcess {
  const proc = spawn(process.execPath, [CLI, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let out = "";
  let err = "";
  let resolvePort: (port: number) => void = () => {};
  let rejectPort: (error: Error) => void = () => {};
  const httpPort = new Promise<number>((resolve, reject) => {
    resolvePort = resolve;
    rejectPort = reject;
  });
  httpPort.catch(() => {});
  proc.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    const match = /"httpPort":(\d+)/.exec(out);
    if (match) resolvePort(Number(match[1]));
  });
  proc.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => {
    proc.once("exit", (code) => {
      rejectPort(new Error(`parking exited (${code}) before listening:\n${out}\n${err}`));
      resolve(code);
    });
  });
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    httpPort,
    exited,
    kill: (signal = "SIGTERM") => {
      if (proc.exitCode === null) proc.kill(signal);
    },
  };
}

/** `parking gateway` against a broker, on a free HTTP port, with its database in `dir`. */
export function spawnGateway(mqttUrl: string, db: string, extra: string[] = []): GatewayProcess {
  return spawnParking([
    "gateway",
    "--mqtt-url",
    mqttUrl,
    "--db",
    db,
    "--http-port",
    "0",
    "--host",
    "127.0.0.1",
    ...extra,
  ]);
}
