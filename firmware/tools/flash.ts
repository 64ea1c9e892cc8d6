import type { Decoded } from "../../protocol/src/index.js";
import { decodeSerialLine } from "../../protocol/src/serial.js";
import { readBundle } from "./bundle.js";
import { adler32, byteStringLiteral, chunkForLiterals, deviceChecksumJs, jsLiteral } from "./encode.js";
import { ToolError } from "./errors.js";
import { baudRate, type NodeFlags, nodeSettings, requiredPort } from "./options.js";
import { EspruinoRepl, MAX_LINE_CHARS } from "./repl.js";
import { closeSerial, openSerial } from "./serial.js";

export interface FlashOptions extends NodeFlags {
  port?: string;
  baud?: string | number;
  bundle: string;
  /** Follow the node's output after the restart until its first report. */
  follow?: boolean;
  timeouts?: Partial<FlashTimeouts>;
}

export interface FlashTimeouts {
  answerMs: number;
  commandMs: number;
  resetSettleMs: number;
  reportMs: number;
}

export interface FlashIo {
  /** One line per step, for the person watching. */
  step(message: string): void;
  progress(done: number, total: number): void;
  /** What the node prints after its restart, line by line. */
  deviceLine(line: string): void;
}

export type SpotReportLine = Extract<Decoded, { kind: "report" }> & { line: string };

export interface FlashResult {
  bytes: number;
  checksum: number;
  /** The first report of the flashed node; null without `follow`. */
  report: SpotReportLine | null;
}

export const BOOT_FILE = ".bootcde";
export const SETTINGS_FILE = "parking.json";

/** Flash writes are slow; a chunk of this many bytes keeps each line's work short. */
const CHUNK_BYTES = 512;
/** Everything on an upload line but the string literal, with room for 7-digit offset and size. */
const WRITE_LINE_OVERHEAD = `print(require("Storage").write("${BOOT_FILE}",,1234567,1234567))`.length;

/**
 * Uploads the firmware bundle over Espruino's REPL, checks it on the device, writes the node's
 * settings and restarts it. Every failure a person can fix is a ToolError of one sentence.
 */
export async function flashNode(options: FlashOptions, io: FlashIo): Promise<FlashResult> {
  const settings = nodeSettings(options);
  const path = requiredPort(options.port);
  const baud = baudRate(options.baud);
  const bundle = await readBundle(options.bundle);
  const timeouts: FlashTimeouts = {
    answerMs: 3_000,
    commandMs: 5_000,
    resetSettleMs: 1_000,
    reportMs: 30_000,
    ...options.timeouts,
  };

  const port = await openSerial(path, baud);
  const repl = new EspruinoRepl(port, {
    path,
    baud,
    answerTimeoutMs: timeouts.answerMs,
    commandTimeoutMs: timeouts.commandMs,
    resetSettleMs: timeouts.resetSettleMs,
  });
  try {
    io.step(`Talking to Espruino on ${path} at ${baud} baud.`);
    await repl.interrupt();
    await repl.reset();
    io.step(`Uploading ${bundle.length} bytes into ${BOOT_FILE}.`);
    await repl.exec(`require("Storage").erase("${BOOT_FILE}")`, `erasing the old ${BOOT_FILE}`);
    await upload(repl, bundle, io);
    const checksum = await verify(repl, bundle, timeouts.commandMs);
    io.step(`Verified: the node holds the same ${bundle.length} bytes (Adler-32 ${checksum.toString(16)}).`);
    const stored = await repl.exec(
      `print(require("Storage").writeJSON("${SETTINGS_FILE}",${jsLiteral(settings)}))`,
      `writing ${SETTINGS_FILE}`,
    );
    if (stored !== "true")
      throw new ToolError(
        `The node could not store ${SETTINGS_FILE} (it answered "${stored}"): is its flash full?`,
      );
    io.step(`Settings written to ${SETTINGS_FILE}; restarting the node.`);
    repl.send("load();");
    const report =
      options.follow === false ? null : await firstReport(repl, settings, path, timeouts.reportMs, io);
    return { bytes: bundle.length, checksum, report };
  } finally {
    repl.detach();
    await closeSerial(port);
  }
}

async function upload(repl: EspruinoRepl, bundle: Buffer, io: FlashIo): Promise<void> {
  io.progress(0, bundle.length);
  let offset = 0;
  for (const chunk of chunkForLiterals(bundle, CHUNK_BYTES, MAX_LINE_CHARS - WRITE_LINE_OVERHEAD)) {
    // Storage needs the whole size when it creates the file; later writes fill it in place.
    const size = offset === 0 ? `,${bundle.length}` : "";
    const written = await repl.exec(
      `print(require("Storage").write("${BOOT_FILE}",${byteStringLiteral(chunk)},${offset}${size}))`,
      `uploading byte ${offset} of ${bundle.length}`,
    );
    if (written !== "true") {
      throw new ToolError(
        `The node could not store bytes from ${offset} of the bundle (it answered "${written}"): is its flash full?`,
      );
    }
    offset += chunk.length;
    io.progress(offset, bundle.length);
  }
}

/** Compares a checksum the device computes over the stored file with the local one. */
async function verify(repl: EspruinoRepl, bundle: Buffer, commandMs: number): Promise<number> {
  const expected = adler32(bundle);
  // The interpreter sums the file a character at a time; allow roughly a second per KB.
  const timeoutMs = commandMs + bundle.length;
  const answer = await repl.exec(deviceChecksumJs(BOOT_FILE), "verifying the upload", timeoutMs);
  const [length, sum] = answer.split(" ").map(Number);
  if (length !== bundle.length || sum !== expected) {
    const got =
      answer === "none" ? `no ${BOOT_FILE} at all` : `${length} bytes with Adler-32 ${sum?.toString(16)}`;
    throw new ToolError(
      `Verification failed: the node holds ${got} instead of ${bundle.length} bytes with Adler-32 ${expected.toString(16)}; flash again, and if it repeats try a shorter USB cable.`,
    );
  }
  return expected;
}

async function firstReport(
  repl: EspruinoRepl,
  settings: { zone?: unknown; spot?: unknown },
  path: string,
  timeoutMs: number,
  io: FlashIo,
): Promise<SpotReportLine> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = await repl.nextLine(deadline);
    if (line === undefined) {
      throw new ToolError(
        `The node restarted but sent no report within ${Math.round(timeoutMs / 1000)} s: check the wiring of the sensor and the Wi-Fi settings; \`parking monitor --port ${path}\` shows its output.`,
      );
    }
    if (line === "") continue;
    io.deviceLine(line);
    if (!line.startsWith("{")) continue;
    const decoded = decodeSerialLine("parking", line);
    if (decoded.kind === "report" && decoded.zone === settings.zone && decoded.spot === settings.spot) {
      return { ...decoded, line };
    }
  }
}
