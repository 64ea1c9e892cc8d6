import { ReadlineParser } from "@serialport/parser-readline";
import type { SerialPort } from "serialport";
import { consoleLine, decodeConsoleLine } from "../../protocol/src/console.js";
import type { DecodeResult } from "../../protocol/src/types.js";
import { closeSerial, openSerial } from "./serial.js";

export interface MonitorOptions {
  path: string;
  baud: number;
  /** How often to look for an unplugged device again. */
  retryMs?: number;
}

export interface MonitorIo {
  line(text: string): void;
  /** About the link itself (unplugged, back), not the node's output. */
  notice(text: string): void;
}

/**
 * `12:00:01 Zone_A/place_1 occupied (0.93) 121 cm` for a serial-fallback report, the same with
 * `, on MQTT` for the line a node prints after publishing a report, the line itself for anything
 * else. `line` is as a terminal shows it (consoleLine).
 */
export function formatLine(line: string, now: Date): string {
  const decoded = decodeConsoleLine(line);
  if (decoded === null) return line;
  return describe(line, decoded.result, now, decoded.via === "mqtt" ? ", on MQTT" : "");
}

function describe(line: string, decoded: DecodeResult, now: Date, suffix: string): string {
  if (decoded.kind === "rejected") return `${line}   (not a valid report: ${decoded.detail})`;
  if (decoded.kind !== "report") return line;
  const { report } = decoded;
  const time = now.toTimeString().slice(0, 8);
  const distance = report.distanceCm === undefined ? "" : ` ${Math.round(report.distanceCm)} cm`;
  return `${time} ${decoded.zone}/${decoded.spot} ${report.status} (${report.confidence.toFixed(2)})${distance}${suffix}`;
}

/**
 * Prints a node's output until `signal` aborts. A device missing at the start is an error; one
 * that goes away later is waited for, because unplugging to reposition a node is routine.
 */
export async function monitorPort(
  options: MonitorOptions,
  io: MonitorIo,
  signal: AbortSignal,
): Promise<void> {
  let port: SerialPort | null = await openSerial(options.path, options.baud);
  while (port) {
    await pump(port, io, signal);
    if (signal.aborted) return;
    io.notice(`Serial port ${options.path} went away; waiting for it to come back (Ctrl-C to stop).`);
    port = await reopen(options, signal);
    if (port) io.notice(`Serial port ${options.path} is back.`);
  }
}

/** Resolves when the port closes, or once it is closed after `signal` aborts. */
async function pump(port: SerialPort, io: MonitorIo, signal: AbortSignal): Promise<void> {
  const parser = port.pipe(new ReadlineParser({ delimiter: "\n" }));
  parser.on("data", (raw: string) => {
    const line = consoleLine(raw);
    if (line !== "") io.line(formatLine(line, new Date()));
  });
  // Errors after opening end in "close"; without a listener they would crash the monitor.
  port.on("error", () => {});
  const closed = new Promise<void>((resolve) => port.once("close", () => resolve()));
  const stop = (): void => void closeSerial(port);
  signal.addEventListener("abort", stop, { once: true });
  if (signal.aborted) stop();
  await closed;
  signal.removeEventListener("abort", stop);
}

async function reopen(options: MonitorOptions, signal: AbortSignal): Promise<SerialPort | null> {
  while (!signal.aborted) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.retryMs ?? 1_000);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    if (signal.aborted) return null;
    try {
      return await openSerial(options.path, options.baud);
    } catch {
      // Still unplugged: keep waiting quietly, the notice was given once.
    }
  }
  return null;
}
