import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { freePort } from "./ports.js";

const GATEWAY_SESSION_CONF = new URL("../../../mosquitto/gateway-session.conf", import.meta.url);

export interface MosquittoProcess {
  port: number;
  url: string;
  /** Stops gracefully (SIGTERM), letting it save persistence. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same persistence directory. */
  restart(): Promise<void>;
  log(): string;
}

export function mosquittoBinary(): string {
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/usr/local/sbin"])) {
    const candidate = join(dir, "mosquitto");
    if (existsSync(candidate)) return candidate;
  }
  throw new Error("mosquitto is not installed: these tests need a real broker (apt-get install mosquitto).");
}

/**
 * A real Mosquitto on a free port, configured with the project's gateway settings
 * (mosquitto/gateway-session.conf), persisting into `dir`.
 */
export async function startMosquitto(dir: string): Promise<MosquittoProcess> {
  const binary = mosquittoBinary();
  const port = await freePort();
  mkdirSync(join(dir, "persist"), { recursive: true });
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(
    conf,
    [
      readFileSync(GATEWAY_SESSION_CONF, "utf8"),
      `listener ${port} 127.0.0.1`,
      "allow_anonymous true",
      `persistence_location ${join(dir, "persist")}/`,
      "log_dest stdout",
      "log_type error",
      "log_type warning",
      "log_type notice",
    ].join("\n"),
  );
  let child: ChildProcess | null = null;
  let output = "";
  const launch = async (): Promise<void> => {
    const proc = spawn(binary, ["-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    proc.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    proc.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    await waitForPort(port, proc, () => output);
  };
  await launch();
  const stop = async (): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once("exit", () => resolve());
      proc.kill("SIGTERM");
    });
  };
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    stop,
    async restart() {
      await stop();
      await launch();
    },
    log: () => output,
  };
}

async function waitForPort(port: number, proc: ChildProcess, log: () => string): Promise<void> {
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
