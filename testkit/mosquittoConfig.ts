import { spawn } from "node:child_process";
import { chmodSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { mosquittoBinary, waitForPort } from "./mosquitto.js";

export interface ConfiguredMosquitto {
  pid: number;
  /** Stops it with SIGTERM and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
  /** Its stderr and log file so far. */
  log(): string;
}

export interface ConfigOptions {
  /** Folder holding the config and every file it names; opened up to the user mosquitto. */
  home: string;
  /** Ports the config listens on: started means all of them accept connections. */
  ports: readonly number[];
  /** The config's `log_dest file`, shown with stderr when it fails. */
  logFile?: string;
}

/**
 * A real Mosquitto on a config file written by the caller (the production config with test
 * ports and paths, a bridge), for tests that need more than startMosquitto's open broker.
 */
export async function startMosquittoWithConfig(
  confFile: string,
  { home, ports, logFile }: ConfigOptions,
): Promise<ConfiguredMosquitto> {
  const binary = mosquittoBinary();
  // Started as root, Mosquitto drops to its own user: it must read everything and write its
  // persistence and log files.
  openUp(home);
  const proc = spawn(binary, ["-c", confFile], { stdio: ["ignore", "ignore", "pipe"] });
  let output = "";
  proc.stderr?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  });
  const log = (): string =>
    output + (logFile !== undefined && existsSync(logFile) ? readFileSync(logFile, "utf8") : "");
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
    await exited;
  };
  try {
    for (const port of ports) await waitForPort(port, proc, log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { pid: proc.pid as number, stop, log };
}

function openUp(path: string): void {
  if (statSync(path).isDirectory()) {
    chmodSync(path, 0o777);
    for (const entry of readdirSync(path)) openUp(join(path, entry));
  } else {
    chmodSync(path, 0o666);
  }
}
