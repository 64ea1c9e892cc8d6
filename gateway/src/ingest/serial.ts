import { ReadlineParser } from "@serialport/parser-readline";
import type { Logger } from "pino";
import { SerialPort } from "serialport";
import { consoleLine } from "../../../protocol/src/console.js";

export interface SerialLinkStatus {
  path: string;
  open: boolean;
  /** Why it is not open, in a sentence; null while open. */
  problem: string | null;
  lines: number;
}

export interface SerialLinkOptions {
  path: string;
  baudRate?: number;
  retryMs?: number;
  logger: Logger;
  onLine: (line: string) => void;
}

/**
 * Reads a node's JSON lines from a USB serial device. Survives unplug and replug: a device
 * that is missing or goes away is reported once, in a sentence, and opened again as soon as
 * it is back. Each line is first read as a terminal would show it: Espruino puts its prompt and
 * escape codes before every line it prints at an idle prompt. Lines that are not JSON objects
 * (the banner, messages, `MQTT ...` lines) are skipped here, before they cost a decode.
 */
export class SerialLink {
  readonly status: SerialLinkStatus;
  private port: SerialPort | null = null;
  private retry: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly options: SerialLinkOptions) {
    this.status = { path: options.path, open: false, problem: null, lines: 0 };
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private open(): void {
    const { path, baudRate = 115_200, logger } = this.options;
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    const parser = port.pipe(new ReadlineParser({ delimiter: "\n" }));
    parser.on("data", (raw: string) => {
      const line = consoleLine(raw).trim();
      if (!line.startsWith("{")) return;
      this.status.lines += 1;
      this.options.onLine(line);
    });
    port.on("close", () => {
      if (this.stopped) return;
      this.status.open = false;
      this.report(`Serial device ${path} went away; waiting for it to come back.`);
      this.scheduleReopen();
    });
    port.on("error", (error) => logger.debug({ err: error, path }, "serial port error"));
    port.open((error) => {
      if (this.stopped) {
        if (!error) port.close();
        return;
      }
      if (error) {
        this.report(describeOpenError(path, error));
        this.scheduleReopen();
        return;
      }
      this.port = port;
      this.status.open = true;
      this.status.problem = null;
      logger.info({ path, baudRate }, `reading node reports from serial device ${path}`);
    });
  }

  private scheduleReopen(): void {
    if (this.stopped) return;
    this.retry = setTimeout(() => this.open(), this.options.retryMs ?? 2_000);
  }

  /** Logs a problem once, not on every retry. */
  private report(problem: string): void {
    if (this.status.problem === problem) return;
    this.status.problem = problem;
    this.options.logger.warn({ path: this.options.path }, problem);
  }
}

function describeOpenError(path: string, error: Error): string {
  const message = error.message;
  if (/ENOENT|No such file|cannot open/i.test(message)) {
    return `Serial device ${path} is not there (is the node plugged in?); retrying until it appears.`;
  }
  if (/EACCES|permission/i.test(message)) {
    return `No permission to open serial device ${path}: add this user to the dialout group; retrying.`;
  }
  if (/EBUSY|lock/i.test(message)) {
    return `Serial device ${path} is in use by another program (a monitor or flash tool?); retrying.`;
  }
  return `Cannot open serial device ${path} (${message}); retrying.`;
}
