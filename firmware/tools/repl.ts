import { StringDecoder } from "node:string_decoder";
import { setTimeout as delay } from "node:timers/promises";
import { consoleLine } from "../../protocol/src/console.js";
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
  /** How long a device gets to show it runs a REPL at all, and to answer after a re-sync. */
  answerTimeoutMs?: number;
  /** Default time one command may take. */
  commandTimeoutMs?: number;
  /** How long `reset()` prints its banner before the REPL takes input again. */
  resetSettleMs?: number;
}

/**
 * Longest line sent to the REPL. Each line waits for its answer before the next one goes, so
 * only one short line is ever in flight: it fits an ESP32's console input queue while the
 * device is busy writing flash, and the Linux build of Espruino, whose stdin thread races its
 * input queue, garbles long lines sent quickly but was clean over hundreds of short ones.
 */
export const MAX_LINE_CHARS = 256;

/** Turns the echo of one line off, and with it Espruino's `=result` print for that line. */
const ECHO_OFF = "\x10";
const CTRL_C = "\x03";

/** What one line did on the device: its output, or the uncaught error it raised. */
export type Outcome = { ok: true; output: string } | { ok: false; uncaught: string };

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
    await this.clearInput();
    const { path, baud } = this.options;
    const answer = await this.roundTrip("", this.answerTimeout());
    if (answer === undefined) {
      throw new ToolError(
        `No answer from an Espruino REPL on ${path}: is Espruino flashed on the ESP32, and is the baud rate ${baud} (--baud)?`,
      );
    }
  }

  /** Clears the interpreter's RAM; Espruino runs `reset()` once the line is done, then prints its banner. */
  async reset(): Promise<void> {
    this.port.write(`${ECHO_OFF}reset();\n`);
    await delay(this.options.resetSettleMs ?? 1_000);
    const answer = await this.roundTrip("", this.commandTimeout());
    if (answer === undefined) throw new ToolError(this.stoppedAnswering("restarting its interpreter"));
  }

  /**
   * Runs one line and answers its output, without prompts, echo or `=undefined`. An uncaught
   * error on the device rejects with its message.
   */
  async exec(js: string, doing: string, timeoutMs = this.commandTimeout()): Promise<string> {
    const outcome = await this.attempt(js, timeoutMs);
    if (outcome === undefined) throw new ToolError(this.stoppedAnswering(doing));
    if (!outcome.ok)
      throw new ToolError(
        `The node refused a command while ${doing}: ${outcome.uncaught.replace(/\.$/, "")}.`,
      );
    return outcome.output;
  }

  /** Runs one line and says what it did, or undefined when no answer came in time. */
  async attempt(js: string, timeoutMs = this.commandTimeout()): Promise<Outcome | undefined> {
    const output = await this.roundTrip(js, timeoutMs);
    if (output === undefined) return undefined;
    const lines = cleanLines(output, js);
    const uncaught = lines.find((line) => line.startsWith("Uncaught "));
    return uncaught === undefined ? { ok: true, output: lines.join("\n") } : { ok: false, uncaught };
  }

  /**
   * Brings the REPL back to an empty line after a line went wrong: one garbled in transit can
   * leave a string or a bracket open, and the device then takes every later line as more of the
   * same statement.
   */
  async resync(doing: string): Promise<void> {
    // Twice: a device still busy with the last line (writing flash) gets a second chance, a
    // dead one costs one more wait only.
    for (let attempt = 0; attempt < 2; attempt++) {
      await this.clearInput();
      if ((await this.roundTrip("", this.answerTimeout())) !== undefined) return;
    }
    throw new ToolError(this.stoppedAnswering(doing));
  }

  /** Sends a line without waiting for it: `load()` restarts the program and never answers. */
  send(js: string): void {
    checkLength(js);
    this.port.write(`${ECHO_OFF}${js}\n`);
  }

  /** The next whole line the device prints, as a terminal shows it, or undefined once `deadline` (epoch ms) passes. */
  async nextLine(deadline: number): Promise<string | undefined> {
    return this.waitFor(() => {
      const end = this.received.indexOf("\n");
      if (end < 0) return undefined;
      const line = this.received.slice(0, end);
      this.received = this.received.slice(end + 1);
      return consoleLine(line);
    }, deadline);
  }

  detach(): void {
    this.port.off("data", this.onData);
    this.wake?.();
  }

  /** The sentence for a device that went quiet in the middle of something. */
  stoppedAnswering(doing: string): string {
    const { path } = this.options;
    return `The node on ${path} stopped answering while ${doing}: it may have reset or crashed (\`parking monitor --port ${path}\` shows what it prints), or the USB cable may be loose or faulty; flash again once it answers.`;
  }

  /**
   * Ctrl-C interrupts running code and clears the input line. The space before it keeps that
   * line from being empty, because on Espruino's Linux build a second Ctrl-C at an empty prompt
   * within 5 s exits the interpreter (`jsiIdle`, src/jsinteractive.c); the pause lets the space
   * reach the line first, as Ctrl-C is acted on the moment it arrives.
   */
  private async clearInput(): Promise<void> {
    this.port.write(" ");
    await delay(50);
    this.port.write(CTRL_C);
  }

  /** The output before the marker, or undefined when it did not come back in time. */
  private async roundTrip(js: string, timeoutMs: number): Promise<string | undefined> {
    checkLength(js);
    this.sequence += 1;
    const marker = `<<${this.sequence}>>`;
    this.port.write(`${ECHO_OFF}${js}\n${ECHO_OFF}print("<<"+"${this.sequence}>>")\n`);
    return this.waitFor(() => {
      const at = this.received.indexOf(marker);
      if (at < 0) return undefined;
      const lineEnd = this.received.indexOf("\n", at);
      if (lineEnd < 0) return undefined;
      const before = this.received.slice(0, at);
      this.received = this.received.slice(lineEnd + 1);
      return before;
    }, Date.now() + timeoutMs);
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

  private answerTimeout(): number {
    return this.options.answerTimeoutMs ?? 3_000;
  }
}

function checkLength(js: string): void {
  // A longer line is a bug in the caller (chunking), not something the user can fix.
  if (js.length > MAX_LINE_CHARS)
    throw new Error(`REPL line of ${js.length} chars exceeds ${MAX_LINE_CHARS}`);
}

function cleanLines(output: string, sent: string): string[] {
  return output
    .split("\n")
    .map(consoleLine)
    .filter((line) => line !== "" && line !== "=undefined" && line !== sent);
}
