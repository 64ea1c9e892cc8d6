import { type ChildProcess, spawn } from "node:child_process";
import { constants, existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, unlinkSync } from "node:fs";
import { access, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { SerialPort } from "serialport";
import { UserFacingError } from "../../gateway/src/errors.js";

export interface SerialSink {
  /** The device the simulator writes to. */
  readonly device: string;
  /** Where the gateway should read (`parking gateway --serial <this>`): the other end of the pty pair the sink made, or `device` itself when the user gave one. */
  readonly gatewayPath: string;
  /** Queues one line (a newline is added). Never throws, never blocks the event loop. */
  write(line: string): void;
  /** Lines dropped because nobody was reading and the queue hit its bound (like a UART with no reader), or because the device went away. */
  readonly dropped: number;
  /** Lines the device took. */
  readonly written: number;
  /** Bytes waiting to be written, the one write in flight included; never above `maxQueuedBytes`. */
  readonly queuedBytes: number;
  /** Flushes what it can (bounded wait), then closes and, if it made the pty pair, stops socat and removes its directory. */
  close(): Promise<void>;
}

export interface SerialSinkOptions {
  /** An existing device to write to (a pty end, a USB-serial adapter). Absent: make a pty pair with socat. */
  device?: string;
  /** Where to put the pty pair's links when making one; default a new temp dir. The gateway end is `<dir>/gateway`, the simulator's `<dir>/nodes`. */
  dir?: string;
  /** Bound of queued bytes before lines are dropped; default 1 MiB. */
  maxQueuedBytes?: number;
  /**
   * Called once, with a sentence, when the device stops taking lines: socat holding the pair the
   * sink made exited (noticed at once), or a write to the device failed (socat behind a given pty
   * end went away, the adapter was unplugged; noticed on the next write). From then on every
   * line is dropped.
   */
  onError?: (message: string) => void;
}

const BAUD_RATE = 115_200;
const DEFAULT_MAX_QUEUED_BYTES = 1024 * 1024;
/** One write hands the kernel at most about this much, so lines are not copied into one huge buffer. */
const BATCH_BYTES = 16 * 1024;
const PAIR_TIMEOUT_MS = 5_000;
const FLUSH_TIMEOUT_MS = 1_000;
const SOCAT_MISSING =
  "--transport serial needs socat to make a pseudo-terminal pair (Debian: apt-get install socat), or give --serial-device PATH.";

/**
 * Opens the simulator's serial transport. Without `device` it makes a pseudo-terminal pair with
 * socat. socat is stopped by `close()`; should the process end without it (a normal exit, an
 * uncaught error, SIGKILL), a small `sh` watchdog sees its stdin pipe close, stops socat and
 * removes the temp dir. A terminal's Ctrl-C reaches socat too (same process group), so a CLI
 * that closes the sink on SIGINT may see `onError` report socat's exit first.
 */
export async function openSerialSink(options: SerialSinkOptions): Promise<SerialSink> {
  const maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
  if (options.device !== undefined) {
    await checkDevice(options.device);
    const port = await openPort(options.device, "--serial-device");
    return new Sink(port, options.device, options.device, null, maxQueuedBytes, options.onError);
  }
  const pair = await makePtyPair(options.dir);
  try {
    const port = await openPort(pair.nodes, "--transport serial");
    return new Sink(port, pair.nodes, pair.gateway, pair, maxQueuedBytes, options.onError);
  } catch (error) {
    await pair.remove();
    throw error;
  }
}

class Sink implements SerialSink {
  dropped = 0;
  written = 0;
  queuedBytes = 0;
  private readonly queue: string[] = [];
  private writing = false;
  private failed = false;
  /** close() was called: no more lines are taken. */
  private closing = false;
  /** close() is done waiting: no more writes start. */
  private stopped = false;
  private drained: (() => void) | null = null;

  constructor(
    private readonly port: SerialPort,
    readonly device: string,
    readonly gatewayPath: string,
    private readonly pair: PtyPair | null,
    private readonly maxQueuedBytes: number,
    private readonly onError: ((message: string) => void) | undefined,
  ) {
    port.on("error", (error) =>
      this.fail(`The serial device ${device} stopped taking lines (${error.message}).`),
    );
    pair?.socat.once("exit", (code, signal) =>
      this.fail(
        `socat, which held the pseudo-terminal pair, exited (${signal ?? `code ${code}`}); no more lines reach ${gatewayPath}.`,
      ),
    );
  }

  write(line: string): void {
    const text = `${line}\n`;
    const bytes = Buffer.byteLength(text);
    if (this.failed || this.closing || this.queuedBytes + bytes > this.maxQueuedBytes) {
      this.dropped += 1;
      return;
    }
    this.queue.push(text);
    this.queuedBytes += bytes;
    this.pump();
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.queuedBytes > 0 && !this.failed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, FLUSH_TIMEOUT_MS);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.stopped = true;
    // Closing cancels a write that waits for room in a pty nobody reads.
    if (this.port.isOpen) await new Promise<void>((resolve) => this.port.close(() => resolve()));
    this.dropped += this.queue.length;
    this.queue.length = 0;
    this.queuedBytes = 0;
    await this.pair?.remove();
  }

  private pump(): void {
    if (this.writing || this.failed || this.stopped || this.queue.length === 0) return;
    let lines = 0;
    let bytes = 0;
    let batch = "";
    while (lines < this.queue.length && bytes < BATCH_BYTES) {
      const text = this.queue[lines] as string;
      batch += text;
      bytes += Buffer.byteLength(text);
      lines += 1;
    }
    this.writing = true;
    this.port.write(batch, (error) => {
      this.writing = false;
      // An error reaches the port's "error" event, unless it is close() cancelling the write;
      // after a failure the queue is already counted as dropped.
      if (error || this.failed) return;
      this.queue.splice(0, lines);
      this.queuedBytes -= bytes;
      this.written += lines;
      if (this.queue.length === 0) this.drained?.();
      this.pump();
    });
  }

  private fail(message: string): void {
    if (this.failed || this.closing) return;
    this.failed = true;
    this.dropped += this.queue.length;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.onError?.(message);
  }
}

async function checkDevice(device: string): Promise<void> {
  try {
    await stat(device);
  } catch {
    throw new UserFacingError(`--serial-device: ${device} does not exist.`);
  }
  try {
    await access(device, constants.W_OK);
  } catch {
    throw new UserFacingError(
      `--serial-device: ${device} is not writable by this user (for a USB adapter, join the dialout group).`,
    );
  }
}

async function openPort(path: string, flag: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: BAUD_RATE, autoOpen: false });
  await new Promise<void>((resolve, reject) =>
    port.open((error) =>
      error
        ? reject(new UserFacingError(`${flag}: cannot open ${path} as a serial port (${error.message}).`))
        : resolve(),
    ),
  );
  return port;
}

class PtyPair {
  constructor(
    readonly dir: string,
    private readonly ownsDir: boolean,
    readonly socat: ChildProcess,
    private readonly watchdog: ChildProcess,
  ) {}

  get nodes(): string {
    return join(this.dir, "nodes");
  }

  get gateway(): string {
    return join(this.dir, "gateway");
  }

  /** Stops socat and its watchdog, waits for socat to be gone, and removes what the pair left. */
  async remove(): Promise<void> {
    // The watchdog goes first: it must never kill a pid that socat no longer holds.
    this.watchdog.kill("SIGKILL");
    const socat = this.socat;
    if (socat.pid !== undefined && socat.exitCode === null && socat.signalCode === null) {
      await new Promise<void>((resolve) => {
        socat.once("exit", () => resolve());
        socat.kill("SIGTERM");
      });
    }
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
    else for (const link of [this.nodes, this.gateway]) removeLink(link);
  }
}

async function makePtyPair(dir: string | undefined): Promise<PtyPair> {
  const ownsDir = dir === undefined;
  const where = dir ?? mkdtempSync(join(tmpdir(), "parking-serial-"));
  if (!ownsDir) {
    try {
      mkdirSync(where, { recursive: true });
    } catch (error) {
      throw new UserFacingError(
        `--transport serial: cannot make the directory ${where} for the pseudo-terminal pair (${(error as Error).message}).`,
      );
    }
  }
  const nodes = join(where, "nodes");
  const gateway = join(where, "gateway");
  // A link left by an earlier run would look like a pair that is already there.
  removeLink(nodes);
  removeLink(gateway);
  const socat = spawn("socat", [`pty,raw,echo=0,link=${nodes}`, `pty,raw,echo=0,link=${gateway}`], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  socat.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-2_000);
  });
  const spawnError = await new Promise<Error | null>((resolve) => {
    socat.once("spawn", () => resolve(null));
    socat.once("error", resolve);
  });
  if (spawnError) {
    if (ownsDir) rmSync(where, { recursive: true, force: true });
    throw new UserFacingError(
      (spawnError as NodeJS.ErrnoException).code === "ENOENT"
        ? SOCAT_MISSING
        : `--transport serial: cannot start socat (${spawnError.message}).`,
    );
  }
  // Neither socat nor the watchdog keeps this process alive; the watchdog ends socat when it exits.
  socat.unref();
  (socat.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  const pair = new PtyPair(where, ownsDir, socat, startWatchdog(socat.pid as number, ownsDir ? where : null));
  const deadline = Date.now() + PAIR_TIMEOUT_MS;
  while (!(existsSync(nodes) && existsSync(gateway))) {
    if (socat.exitCode !== null || socat.signalCode !== null) {
      await pair.remove();
      throw new UserFacingError(
        `--transport serial: socat could not make a pseudo-terminal pair in ${where} (${lastLine(stderr)}).`,
      );
    }
    if (Date.now() > deadline) {
      await pair.remove();
      throw new UserFacingError(
        `--transport serial: socat did not make a pseudo-terminal pair in ${where} within ${PAIR_TIMEOUT_MS / 1000} s.`,
      );
    }
    await delay(20);
  }
  return pair;
}

/**
 * Kills socat, and removes the directory made for it, once this process is gone however it
 * went, SIGKILL included: the shell's stdin is a pipe from here, and the kernel closes it when
 * this process dies, so `read` returns.
 */
function startWatchdog(socatPid: number, ownDir: string | null): ChildProcess {
  // It ignores the signals a terminal or a supervisor sends to the whole process group, so that
  // it is still there to clean up when they have ended this process.
  const script =
    'trap "" INT TERM HUP; read _; kill "$0" 2>/dev/null; [ -n "$1" ] && rm -f "$1/nodes" "$1/gateway" && rmdir "$1"';
  const watchdog = spawn("sh", ["-c", script, String(socatPid), ownDir ?? ""], {
    stdio: ["pipe", "ignore", "ignore"],
  });
  watchdog.on("error", () => undefined);
  watchdog.unref();
  return watchdog;
}

function removeLink(path: string): void {
  try {
    if (lstatSync(path).isSymbolicLink()) unlinkSync(path);
  } catch {
    // Not there: nothing to remove.
  }
}

/** socat's last complaint without its date, time and pid prefix. */
function lastLine(stderr: string): string {
  const line = stderr.trim().split("\n").at(-1) ?? "";
  return line.replace(/^\S+ \S+ socat\[\d+\] [A-Z] /, "") || "no message";
}
