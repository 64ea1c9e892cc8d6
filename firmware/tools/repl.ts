import { StringDecoder } from "node:string_decoder";
import { setTimeout as delay } from "node:timers/promises";
import { ToolError } from "./errors.js";

/** What the REPL needs from a serial port; `SerialPort` has it, and so does a test double. */
export interface ReplPort {
  write(data: string): unknown;
  on(event: "data", listener: (chunk: Buffer) => void): unknown;
  off(event: "data", listener: (chunk: Buffer) => void): unknown;
}

export interface ReplOptions {
  /** Names the device in error sentences. */
  path: string;
  baud: number;
  /** How long a device gets to show it runs a REPL at all. */
  answerTimeoutMs?: number;
  /** Default time one command may take. */
  commandTimeoutMs?: number;
  /** How long `reset()` prints its banner before the REPL takes input again. */
  resetSettleMs?: number;
}

/**
 * Longest line sent to the REPL. Each line waits for its answer before the next one goes, so
 * only this much is ever in flight: it fits the console's input buffering with room to spare,
 * while a busy device writes flash.
 */
export const MAX_LINE_CHARS = 1024;

/** Turns the echo of one line off, and with it Espruino's `=result` print for that line. */
const ECHO_OFF = "\x10";
const CTRL_C = "\x03";
// Espruino redraws its input line with ANSI cursor sequences when echo is on.
const ANSI_SEQUENCE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, "g");

/**
 * Espruino's REPL as request and answer. The prompt alone cannot delimit an answer (it is not
 * printed after echo-off lines on every build, and output can contain `>`), so each command is
 * followed by a second line that prints a numbered marker: everything before the marker is the
 * command's output. The marker is built by concatenation so that an echo of the line, should
 * the device echo after all, never contains it.
 */
export class EspruinoRepl {
  private received = "";
  private readonly decoder = new StringDecoder("utf8");
  private wake: (() => void) | null = null;
  private sequence = 0;
  private readonly onData = (chunk: Buffer): void => {
    this.received += this.decoder.write(chunk);
    this.wake?.();
  };

  constructor(
    private readonly port: ReplPort,
    private readonly options: ReplOptions,
  ) {
    port.on("data", this.onData);
  }

  /** Stops whatever runs on the device and proves a JavaScript REPL answers. */
  async interrupt(): Promise<void> {
    this.port.write(CTRL_C);
    const { path, baud } = this.options;
    await this.roundTrip("", this.options.answerTimeoutMs ?? 3_000, () => {
      return `No answer from an Espruino REPL on ${path}: is Espruino flashed on the ESP32, and is the baud rate ${baud} (--baud)?`;
    });
  }

  /** Clears the interpreter's RAM; Espruino runs `reset()` once the line is done, then prints its banner. */
  async reset(): Promise<void> {
    this.port.write(`${ECHO_OFF}reset();\n`);
    await delay(this.options.resetSettleMs ?? 1_000);
    await this.roundTrip("", this.commandTimeout(), () =>
      this.stoppedAnswering("restarting its interpreter"),
    );
  }

  /**
   * Runs one line and answers its output, without prompts, echo or `=undefined`. An uncaught
   * error on the device rejects with its message.
   */
  async exec(js: string, doing: string, timeoutMs = this.commandTimeout()): Promise<string> {
    const output = await this.roundTrip(js, timeoutMs, () => this.stoppedAnswering(doing));
    const lines = cleanLines(output, js);
    const uncaught = lines.find((line) => line.startsWith("Uncaught "));
    if (uncaught)
      throw new ToolError(`The node refused a command while ${doing}: ${uncaught.replace(/\.$/, "")}.`);
    return lines.join("\n");
  }

  /** Sends a line without waiting for it: `load()` restarts the program and never answers. */
  send(js: string): void {
    checkLength(js);
    this.port.write(`${ECHO_OFF}${js}\n`);
  }

  /** The next whole line the device prints, or undefined once `deadline` (epoch ms) passes. */
  async nextLine(deadline: number): Promise<string | undefined> {
    return this.waitFor(() => {
      const end = this.received.indexOf("\n");
      if (end < 0) return undefined;
      const line = this.received.slice(0, end);
      this.received = this.received.slice(end + 1);
      return cleanLine(line);
    }, deadline);
  }

  detach(): void {
    this.port.off("data", this.onData);
    this.wake?.();
  }

  private async roundTrip(js: string, timeoutMs: number, failure: () => string): Promise<string> {
    checkLength(js);
    this.sequence += 1;
    const marker = `<<${this.sequence}>>`;
    this.port.write(`${ECHO_OFF}${js}\n${ECHO_OFF}print("<<"+"${this.sequence}>>")\n`);
    const output = await this.waitFor(() => {
      const at = this.received.indexOf(marker);
      if (at < 0) return undefined;
      const lineEnd = this.received.indexOf("\n", at);
      if (lineEnd < 0) return undefined;
      const before = this.received.slice(0, at);
      this.received = this.received.slice(lineEnd + 1);
      return before;
    }, Date.now() + timeoutMs);
    if (output === undefined) throw new ToolError(failure());
    return output;
  }

  private async waitFor<T>(take: () => T | undefined, deadline: number): Promise<T | undefined> {
    for (;;) {
      const value = take();
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  private commandTimeout(): number {
    return this.options.commandTimeoutMs ?? 5_000;
  }

  private stoppedAnswering(doing: string): string {
    return `The node on ${this.options.path} stopped answering while ${doing}: check the USB cable and try again.`;
  }
}

function checkLength(js: string): void {
  // A longer line is a bug in the caller (chunking), not something the user can fix.
  if (js.length > MAX_LINE_CHARS)
    throw new Error(`REPL line of ${js.length} chars exceeds ${MAX_LINE_CHARS}`);
}

function cleanLine(line: string): string {
  return line.replace(ANSI_SEQUENCE, "").replace(/\r/g, "").replace(/^>+/, "").trimEnd();
}

function cleanLines(output: string, sent: string): string[] {
  return output
    .split("\n")
    .flatMap((line) => line.split("\r"))
    .map(cleanLine)
    .filter((line) => line !== "" && line !== "=undefined" && line !== sent);
}
