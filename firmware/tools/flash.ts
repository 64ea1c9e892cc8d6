import { setTimeout as delay } from "node:timers/promises";
import { decodeConsoleLine } from "../../protocol/src/console.js";
import type { Decoded } from "../../protocol/src/index.js";
import { DEFAULT_TOPIC_ROOT, reportTopic } from "../../protocol/src/topics.js";
import { readBundle } from "./bundle.js";
import { byteStringLiteral, chunkForLiterals, crc32, deviceChecksumJs } from "./encode.js";
import { ToolError } from "./errors.js";
import { baudRate, type NodeFlags, type NodeSettings, nodeSettings, requiredPort } from "./options.js";
import { EspruinoRepl, MAX_LINE_CHARS } from "./repl.js";
import { closeSerial, openSerial } from "./serial.js";

export interface FlashOptions extends NodeFlags {
  port?: string;
  baud?: string | number;
  bundle: string;
  /** Follow the node's output after the restart until its first report. */
  follow?: boolean;
  /** Leave Bluetooth on; by default an ESP32 that has it on gets it turned off (see flashNode). */
  keepBle?: boolean;
  timeouts?: Partial<FlashTimeouts>;
}

export interface FlashTimeouts {
  answerMs: number;
  commandMs: number;
  resetSettleMs: number;
  /** How long an ESP32 takes to restart after Bluetooth is turned off, before it is asked again. */
  bleRestartMs: number;
  reportMs: number;
}

export interface FlashIo {
  /** One line per step, for the person watching. */
  step(message: string): void;
  /**
   * Upload progress. Nothing else is printed between the first call and the last, so a
   * terminal can redraw one bar in place.
   */
  progress(done: number, total: number): void;
  /** What the node prints after its restart, line by line. */
  deviceLine(line: string): void;
}

/**
 * The first report of the flashed node and the console line it came in: a serial-fallback
 * JSON line, or the `MQTT <topic> <payload>` line a node prints after publishing.
 */
export type SpotReportLine = Extract<Decoded, { kind: "report" }> & { line: string; via: "serial" | "mqtt" };

export interface FlashResult {
  bytes: number;
  /** CRC-32 of the bundle, as the node computed it over the stored file. */
  checksum: number;
  /** Time spent writing the bundle, and checking it on the node. */
  uploadMs: number;
  verifyMs: number;
  /** Chunks that had to be sent again. */
  retries: number;
  /** The first report of the flashed node; null without `follow`. */
  report: SpotReportLine | null;
}

export const BOOT_FILE = ".bootcde";
export const SETTINGS_FILE = "parking.json";

/** Flash writes are slow; a chunk of this many bytes keeps each write short, and a retry cheap. */
const CHUNK_BYTES = 512;
/** Tries per chunk: a garbled line is sent again, a chunk garbled three times means a bad link. */
const TRIES = 3;
/** The device variable a chunk is assembled in before it is checked and stored. */
const CHUNK_VAR = "c";

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
    bleRestartMs: 4_000,
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
    if (options.keepBle !== true) await bluetoothOff(repl, io, timeouts.bleRestartMs);
    io.step(`Uploading ${bundle.length} bytes into ${BOOT_FILE}.`);
    await repl.exec(`require("Storage").erase("${BOOT_FILE}")`, `erasing the old ${BOOT_FILE}`);
    const uploadStart = Date.now();
    const retries = await upload(repl, bundle, io);
    const uploadMs = Date.now() - uploadStart;
    const again = retries === 0 ? "" : `, ${retries} chunk${retries === 1 ? "" : "s"} sent again`;
    io.step(`Uploaded in ${seconds(uploadMs)} s${again}.`);

    const verifyStart = Date.now();
    const checksum = await verify(repl, bundle, timeouts.commandMs);
    const verifyMs = Date.now() - verifyStart;
    io.step(
      `Verified: the node holds the same ${bundle.length} bytes (CRC-32 ${hex(checksum)}, checked in ${seconds(verifyMs)} s).`,
    );

    await writeSettings(repl, settings);
    io.step(`Settings written to ${SETTINGS_FILE}; restarting the node.`);
    repl.send("load();");
    const report =
      options.follow === false ? null : await firstReport(repl, settings, path, timeouts.reportMs, io);
    return { bytes: bundle.length, checksum, uploadMs, verifyMs, retries, report };
  } finally {
    repl.detach();
    await closeSerial(port);
  }
}

/**
 * The node uses no Bluetooth, and Espruino on an ESP32 with BLE off makes about 1,800 more
 * JsVars at start (targets/esp32/jswrap_esp32.c, `ESP32.enableBLE`): room the program can use
 * (firmware/README.md, "Memory"). The switch is kept in the chip's NVS, but it also erases the
 * saved code and restarts the board, so it is done here, before the upload, never by the node.
 * A board without the ESP32 object (another build) is left alone.
 */
async function bluetoothOff(repl: EspruinoRepl, io: FlashIo, restartMs: number): Promise<void> {
  const on = await repl.exec(
    'print(typeof ESP32=="object"&&typeof ESP32.getState=="function"&&ESP32.getState().BLE===true)',
    "checking whether Bluetooth is on",
  );
  if (on !== "true") return;
  io.step(
    "Turning Bluetooth off: the node does not use it, and without it the ESP32 has about 1,800 more JsVars (--keep-ble leaves it on). The board restarts.",
  );
  repl.send("ESP32.enableBLE(false)");
  await delay(restartMs);
  await repl.interrupt();
  const still = await repl.exec("print(ESP32.getState().BLE)", "checking that Bluetooth is off");
  if (still !== "false") {
    throw new ToolError(
      `The node still has Bluetooth on after ESP32.enableBLE(false) (it answered "${still}"); flash again with --keep-ble to leave it on.`,
    );
  }
}

/** Writes the bundle chunk by chunk at its offset; answers how many chunks were sent again. */
async function upload(repl: EspruinoRepl, bundle: Buffer, io: FlashIo): Promise<number> {
  io.progress(0, bundle.length);
  let retries = 0;
  let offset = 0;
  while (offset < bundle.length) {
    const chunk = bundle.subarray(offset, offset + CHUNK_BYTES);
    // Storage needs the whole size when it creates the file; later writes fill it in place.
    const size = offset === 0 ? `,${bundle.length}` : "";
    const tries = await storeChecked(repl, chunk, {
      doing: `uploading byte ${offset} of ${bundle.length}`,
      what: `bytes ${offset} to ${offset + chunk.length - 1} of the bundle`,
      store: `require("Storage").write("${BOOT_FILE}",${CHUNK_VAR},${offset}${size})`,
      stored: `require("Storage").read("${BOOT_FILE}",${offset},${chunk.length})`,
    });
    retries += tries - 1;
    offset += chunk.length;
    io.progress(offset, bundle.length);
  }
  return retries;
}

/** `parking.json` as JSON text: `Storage.readJSON` on the node reads it as `writeJSON` would have left it. */
async function writeSettings(repl: EspruinoRepl, settings: NodeSettings): Promise<void> {
  await storeChecked(repl, Buffer.from(JSON.stringify(settings), "utf8"), {
    doing: `writing ${SETTINGS_FILE}`,
    what: SETTINGS_FILE,
    store: `require("Storage").write("${SETTINGS_FILE}",${CHUNK_VAR})`,
    stored: `require("Storage").read("${SETTINGS_FILE}")`,
  });
}

interface Store {
  /** For "stopped answering while ...". */
  doing: string;
  /** For "could not store ...". */
  what: string;
  /** Device expression that stores the variable CHUNK_VAR and evaluates to true. */
  store: string;
  /** Device expression for what the place being written holds now. */
  stored: string;
}

/**
 * Sends `bytes` into a device variable in short lines, then lets the device store them only if
 * their CRC-32 matches, so a line garbled on the way never reaches flash, where Storage cannot
 * write the same bytes twice. A try that goes wrong is followed by a re-sync and a look at
 * whether the bytes got stored after all (their answer may be what was lost), then the chunk
 * goes again. Answers the number of tries it took.
 */
async function storeChecked(repl: EspruinoRepl, bytes: Uint8Array, target: Store): Promise<number> {
  const crc = crc32(bytes);
  const lines = assembleLines(bytes);
  lines.push(`print((E.CRC32(${CHUNK_VAR})>>>0)==${crc}?${target.store}:"got "+${CHUNK_VAR}.length)`);
  let problem = "";
  for (let attempt = 1; attempt <= TRIES; attempt++) {
    const answer = await sendLines(repl, lines);
    if (answer === "true") return attempt;
    problem = answer === undefined ? "no answer in time" : `it answered "${answer}"`;
    // Fails with "stopped answering" when the device is gone, rather than trying again.
    await repl.resync(target.doing);
    const already = await repl.attempt(`print((E.CRC32(${target.stored}||"")>>>0)==${crc})`);
    if (already?.ok && already.output === "true") return attempt;
  }
  if (/Uncaught Error: (Unable to find or create file|Too much data)/.test(problem)) {
    throw new ToolError(
      `The node could not store ${target.what} (${problem}): is its flash full? Flash again, and if it repeats erase the ESP32's flash first (firmware/README.md, step 1).`,
    );
  }
  throw new ToolError(
    `The node did not take ${target.what} after ${TRIES} tries (the last: ${problem}): the serial link garbles data; try another USB cable or port, then flash again.`,
  );
}

/** Runs the lines one at a time; answers the last line's output or the first uncaught error, undefined if one got no answer. */
async function sendLines(repl: EspruinoRepl, lines: string[]): Promise<string | undefined> {
  let output = "";
  for (const line of lines) {
    const outcome = await repl.attempt(line);
    if (outcome === undefined) return undefined;
    if (!outcome.ok) return outcome.uncaught;
    output = outcome.output;
  }
  return output;
}

/** `c="..."`, then `c+="..."`, each line at most MAX_LINE_CHARS. */
function assembleLines(bytes: Uint8Array): string[] {
  const literalChars = MAX_LINE_CHARS - `${CHUNK_VAR}+=`.length;
  return chunkForLiterals(bytes, bytes.length, literalChars).map(
    (piece, i) => `${CHUNK_VAR}${i === 0 ? "=" : "+="}${byteStringLiteral(piece)}`,
  );
}

/** Compares the CRC-32 the device computes over the stored file with the local one. */
async function verify(repl: EspruinoRepl, bundle: Buffer, commandMs: number): Promise<number> {
  const expected = crc32(bundle);
  const answer = await repl.exec(deviceChecksumJs(BOOT_FILE), "verifying the upload", commandMs);
  const [length, sum] = answer.split(" ").map(Number);
  if (length !== bundle.length || sum === undefined || sum >>> 0 !== expected) {
    const got =
      answer === "none" ? `no ${BOOT_FILE} at all` : `${length} bytes with CRC-32 ${hex(sum ?? Number.NaN)}`;
    throw new ToolError(
      `Verification failed: the node holds ${got} instead of ${bundle.length} bytes with CRC-32 ${hex(expected)}; flash again, and if it repeats try another USB cable.`,
    );
  }
  return expected;
}

/**
 * Waits for the node's first report after the restart: a serial-fallback JSON line for the
 * flashed spot (no broker, or not yet connected), or the `MQTT` line it prints after each
 * report it publishes on the spot's topic (the broker took it).
 */
async function firstReport(
  repl: EspruinoRepl,
  settings: NodeSettings,
  path: string,
  timeoutMs: number,
  io: FlashIo,
): Promise<SpotReportLine> {
  const root = typeof settings.topic_root === "string" ? settings.topic_root : DEFAULT_TOPIC_ROOT;
  const topic = reportTopic(root, String(settings.zone), String(settings.spot));
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
    const report = spotReport(line, root, topic);
    if (report) return report;
  }
}

function spotReport(line: string, root: string, topic: string): SpotReportLine | undefined {
  const decoded = decodeConsoleLine(line, root);
  if (decoded === null || decoded.result.kind !== "report") return undefined;
  const { result, via } = decoded;
  return reportTopic(root, result.zone, result.spot) === topic ? { ...result, line, via } : undefined;
}

function hex(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
