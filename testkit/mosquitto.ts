import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { REPO_ROOT } from "./paths.js";
import { freePort } from "./ports.js";

export interface Mosquitto {
  port: number;
  url: string;
  pid: number;
  /** Stops it with SIGTERM and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
  /** Its stderr and log file so far. */
  log(): string;
}

export function mosquittoBinary(): string {
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/usr/local/sbin"])) {
    const candidate = join(dir, "mosquitto");
    if (dir !== "" && existsSync(candidate)) return candidate;
  }
  throw new Error(
    "mosquitto is not installed: tests and benchmarks need a real broker (apt-get install mosquitto).",
  );
}

/**
 * A real Mosquitto with the project's gateway settings (mosquitto/gateway-session.conf), persisting
 * into `dir`; `extraConfig` is appended to its configuration (a bridge, say).
 */
export async function startMosquitto(dir: string, extraConfig = ""): Promise<Mosquitto> {
  const binary = mosquittoBinary();
  const port = await freePort();
  // Started as root, Mosquitto drops to its own user: it must be able to write here.
  const home = join(dir, "mosquitto");
  mkdirSync(join(home, "persist"), { recursive: true });
  openPathTo(dir);
  chmodSync(home, 0o777);
  chmodSync(join(home, "persist"), 0o777);
  const conf = join(home, "mosquitto.conf");
  // A file, not stdout: Mosquitto block-buffers stdout into a pipe.
  const logFile = join(home, "mosquitto.log");
  writeFileSync(
    conf,
    [
      readFileSync(join(REPO_ROOT, "mosquitto", "gateway-session.conf"), "utf8"),
      `listener ${port} 127.0.0.1`,
      "allow_anonymous true",
      `persistence_location ${join(home, "persist")}/`,
      `log_dest file ${logFile}`,
      "log_type error",
      "log_type warning",
      // Notices include "Outgoing messages are being dropped for client ...".
      "log_type notice",
      extraConfig,
      "",
    ].join("\n"),
  );
  return launch(binary, conf, logFile, port);
}

/**
 * Mosquitto again from the configuration `startMosquitto(dir)` wrote: the same port and the
 * same persistence directory, as after a broker restart on a real site.
 */
export function restartMosquitto(dir: string, port: number): Promise<Mosquitto> {
  const home = join(dir, "mosquitto");
  return launch(mosquittoBinary(), join(home, "mosquitto.conf"), join(home, "mosquitto.log"), port);
}

async function launch(binary: string, conf: string, logFile: string, port: number): Promise<Mosquitto> {
  const proc = spawn(binary, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let output = "";
  proc.stderr?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  });
  const log = (): string => output + (existsSync(logFile) ? readFileSync(logFile, "utf8") : "");
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
    await exited;
  };
  try {
    await waitForPort(port, proc, log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, url: `mqtt://127.0.0.1:${port}`, pid: proc.pid as number, stop, log };
}

/** Resolves once `port` accepts connections; fails when `proc` exits or after 10 s. */
export async function waitForPort(port: number, proc: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`mosquitto exited with ${proc.exitCode}: ${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`mosquitto did not listen on ${port} within 10 s: ${log()}`);
}

/**
 * Lets Mosquitto's own user pass through every folder from the temp dir down to `dir`: a test
 * that nests the broker in its 0700 temp dir would otherwise get a broker that silently writes
 * no persistence and no log (and loses its sessions on a restart).
 */
function openPathTo(dir: string): void {
  const root = resolve(tmpdir());
  for (let p = resolve(dir); p.startsWith(`${root}${sep}`); p = dirname(p)) {
    chmodSync(p, statSync(p).mode | 0o111);
  }
  if (!resolve(dir).startsWith(`${root}${sep}`)) chmodSync(dir, statSync(dir).mode | 0o111);
}
