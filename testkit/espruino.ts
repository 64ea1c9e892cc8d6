import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { consoleLine } from "../protocol/src/console.js";
import { REPO_ROOT } from "./paths.js";

/**
 * The real Espruino interpreter, started the way `parking flash` leaves a node: the bundle in
 * `.bootcde`, the settings in `parking.json`, then `load()`. Only what a host build lacks is
 * stubbed, by `device.js` in `.boot0` (see its header). The binaries come from the folder in
 * ESPRUINO_BIN (firmware/README.md says how to build them from Espruino's source).
 */

export type EspruinoBuild = "x64" | "esp32vars";

/**
 * The firmware's memory budget: every path must work with this many JsVars free before the
 * bundle loads, about what an ESP32 with Wi-Fi and BLE has free (firmware/README.md, "Memory").
 */
export const ESP32_FREE_JSVARS = 2000;

/** What Espruino prints when it runs out of JsVars, or drops a handler after an error in it. */
export const DISTRESS = /OUT OF MEMORY|LOW_MEMORY|MEMORY|Error processing|removing it|Uncaught/;

const BINARIES: Record<EspruinoBuild, string> = {
  x64: "espruino-linux-x64",
  esp32vars: "espruino-esp32vars-i386",
};

/** The interpreter binary; throws (the test fails) when the folder or the file is missing. */
export function espruinoBinary(build: EspruinoBuild): string {
  const dir = process.env.ESPRUINO_BIN;
  if (dir === undefined || dir === "") {
    throw new Error(
      "ESPRUINO_BIN is not set: the firmware's real-interpreter tests need the Espruino host builds (firmware/README.md, 'Testing on the real interpreter').",
    );
  }
  const path = join(dir, BINARIES[build]);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`ESPRUINO_BIN=${dir} has no executable ${BINARIES[build]}.`);
  }
  return path;
}

export function bundlePath(kind: "min" | "readable"): string {
  return join(REPO_ROOT, "firmware", "dist", kind === "min" ? "parking-node.min.js" : "parking-node.js");
}

export type Echo = number | "none" | "throw";

/** What a host build lacks, stubbed for the tests: Storage's `.boot0` (see its header). */
const DEVICE_STUB = join(REPO_ROOT, "firmware", "test", "espruino", "device.js");

/**
 * A working folder for one interpreter (its Storage is `espruino.flash` there): the device stub,
 * and the files the stub reads the echo distance and the Wi-Fi join's outcome from.
 */
export interface DeviceFolder {
  dir: string;
  setEcho(echo: Echo): void;
  /** "ok", or "fail <reason>" for a Wi-Fi join that fails. */
  setWifi(how: string): void;
}

export function deviceFolder(prefix: string, echo: Echo = 250, wifi = "ok"): DeviceFolder {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  copyFileSync(DEVICE_STUB, join(dir, "device.js"));
  const write = (name: string, text: string): void => writeFileSync(join(dir, name), `${text}\n`);
  const folder: DeviceFolder = {
    dir,
    setEcho: (value) => write("echo", String(value)),
    setWifi: (how) => write("wifi", how),
  };
  folder.setEcho(echo);
  folder.setWifi(wifi);
  return folder;
}

export interface Launched {
  proc: ChildProcess;
  exited: Promise<void>;
  /** SIGKILL to the process group; resolves once it is gone. */
  kill(): Promise<void>;
}

/**
 * The interpreter, run in `dir` with `args`. It ignores SIGTERM: it runs in a process group of
 * its own (`detached`), which kill() ends with SIGKILL, under timeout(1) as the backstop should
 * this process die. stdin stays a pipe held open here: at end of input the host build floods
 * its input queue.
 */
export function launchEspruino(
  binary: string,
  args: string[],
  dir: string,
  options: { lifetimeS?: number; stderr?: "pipe" | "ignore" } = {},
): Launched {
  const proc = spawn("timeout", ["-s", "KILL", String(options.lifetimeS ?? 120), binary, ...args], {
    cwd: dir,
    detached: true,
    stdio: ["pipe", "pipe", options.stderr ?? "pipe"],
  });
  proc.stdin?.on("error", () => {});
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  return {
    proc,
    exited,
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) {
        try {
          process.kill(-proc.pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
      await exited;
    },
  };
}

export interface NodeOptions {
  build?: EspruinoBuild;
  bundle?: "min" | "readable";
  /** parking.json; undefined leaves the file out. */
  settings?: Record<string, unknown>;
  echo?: Echo;
  /** "ok", or "fail <reason>" for a Wi-Fi join that fails. */
  wifi?: string;
  /** Leave only this many JsVars free before the bundle loads (a filler in `.boot1`). */
  freeJsVars?: number;
  /** The interpreter is killed after this long whatever happens. */
  lifetimeS?: number;
}

export interface EspruinoNode {
  dir: string;
  /** Every console line so far, as a terminal shows it. */
  lines: string[];
  /** The console's bytes so far, as latin1. */
  raw(): string;
  /** Resolves with the first line from index `from` on that matches; rejects after `timeoutMs`. */
  waitForLine(match: RegExp, timeoutMs?: number, from?: number): Promise<string>;
  setEcho(echo: Echo): void;
  setWifi(how: string): void;
  /** Types a short line at the console (long lines get corrupted on host builds). */
  type(line: string): void;
  /** SIGKILL, like pulling the power; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Kills it if needed and removes its folder. */
  dispose(): Promise<void>;
}

/**
 * A filler for `.boot1`: takes JsVars until `free` are left, in Uint8Arrays (flat strings, 14
 * bytes a JsVar) so that it costs few JsVars of its own bookkeeping.
 */
function fillerJs(free: number): string {
  return `(function(){var T=${free};var f=[];var n=process.memory().free;
if(n-T-80>0)f.push(new Uint8Array((n-T-80)*13));
while((n=process.memory().free)>T)f.push(new Uint8Array(Math.max(1,Math.min(120,(n-T-3)*12))));
global.HOSTFILL=f;console.log("HOST free "+process.memory().free);})();`;
}

function setupJs(settings: Record<string, unknown> | undefined, filler: boolean): string {
  return [
    'var S=require("Storage"),fs=require("fs");',
    "S.eraseAll();",
    'S.write(".boot0",fs.readFileSync("device.js"));',
    filler ? 'S.write(".boot1",fs.readFileSync("filler.js"));' : "",
    'S.write(".bootcde",fs.readFileSync("bundle.js"));',
    settings === undefined ? "" : `S.writeJSON("parking.json",${JSON.stringify(settings)});`,
    "load();",
  ].join("\n");
}

export async function startNode(options: NodeOptions = {}): Promise<EspruinoNode> {
  const build = options.build ?? "x64";
  const binary = espruinoBinary(build);
  const folder = deviceFolder("espruino-node-", options.echo, options.wifi);
  const { dir } = folder;
  copyFileSync(bundlePath(options.bundle ?? "min"), join(dir, "bundle.js"));
  if (options.freeJsVars !== undefined) writeFileSync(join(dir, "filler.js"), fillerJs(options.freeJsVars));
  writeFileSync(join(dir, "setup.js"), setupJs(options.settings, options.freeJsVars !== undefined));
  const { proc, exited, kill } = launchEspruino(binary, ["setup.js"], dir, { lifetimeS: options.lifetimeS });
  const lines: string[] = [];
  let partial = "";
  let raw = "";
  const waiters = new Set<() => void>();
  const onOutput = (chunk: Buffer): void => {
    partial += chunk.toString("latin1");
    raw += chunk.toString("latin1");
    let end = partial.indexOf("\n");
    while (end >= 0) {
      const line = consoleLine(partial.slice(0, end));
      partial = partial.slice(end + 1);
      // At end of input the host build floods its queue with 0xFF bytes: not the node's output.
      if (line !== "" && !/^[\xf7\xff]+$/.test(line)) lines.push(line);
      end = partial.indexOf("\n");
    }
    for (const wake of waiters) wake();
  };
  proc.stdout?.on("data", onOutput);
  proc.stderr?.on("data", onOutput);

  const waitForLine = (match: RegExp, timeoutMs = 10_000, from = 0): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        for (let i = from; i < lines.length; i++) {
          const line = lines[i] as string;
          if (match.test(line)) {
            done();
            resolve(line);
            return;
          }
        }
        if (proc.exitCode !== null || proc.signalCode !== null) {
          done();
          reject(new Error(`Espruino exited before printing ${match}; it printed:\n${lines.join("\n")}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `no console line ${match} within ${timeoutMs} ms; the node printed:\n${lines.join("\n")}`,
          ),
        );
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      void exited.then(check);
      check();
    });

  return {
    dir,
    lines,
    raw: () => raw,
    waitForLine,
    setEcho: folder.setEcho,
    setWifi: folder.setWifi,
    type: (line) => {
      proc.stdin?.write(`${line}\n`);
    },
    kill,
    dispose: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
