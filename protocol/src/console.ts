/**
 * What a node prints on its USB console, as the programs that read it (the gateway's serial
 * ingest, `parking monitor`, `parking flash`) see it.
 *
 * Espruino redraws its prompt around what it prints while idle: on the wire a report is
 * `>\r\x1B[J{...}\r\n`, followed by a new `>` prompt that the next output erases the same way
 * (docs/espruino.md, "Console"). A terminal shows `{...}`; a program that reads bytes must do
 * what the terminal does, or it sees `>` and escape codes before the `{`.
 */

import { decode } from "./decode.js";
import { decodeSerialLine } from "./serial.js";
import { DEFAULT_TOPIC_ROOT } from "./topics.js";
import type { DecodeResult } from "./types.js";

const ESC = "\x1B";

/**
 * The text a terminal would show for one raw console line (without its `\n`): a carriage
 * return moves back to the start and later text overwrites, backspace and `ESC [ n D` / `C`
 * move the cursor, `ESC [ J` / `ESC [ K` erase, other escape sequences and control characters
 * show nothing; the idle prompt `>` left at the start is dropped, and so is trailing white space.
 */
export function consoleLine(raw: string): string {
  const shown: string[] = [];
  let cursor = 0;
  const put = (ch: string): void => {
    while (shown.length < cursor) shown.push(" ");
    shown[cursor] = ch;
    cursor++;
  };
  for (let i = 0; i < raw.length; i++) {
    const ch = raw.charAt(i);
    const code = raw.charCodeAt(i);
    if (ch === "\r") {
      cursor = 0;
    } else if (ch === "\b") {
      cursor = Math.max(0, cursor - 1);
    } else if (ch === ESC && raw.charAt(i + 1) === "[") {
      let end = i + 2;
      while (end < raw.length && !isFinal(raw.charCodeAt(end))) end++;
      const n = Number.parseInt(raw.slice(i + 2, end), 10);
      const command = raw.charAt(end);
      if (command === "J" || command === "K") erase(shown, cursor, Number.isNaN(n) ? 0 : n);
      else if (command === "D") cursor = Math.max(0, cursor - (Number.isNaN(n) ? 1 : n));
      else if (command === "C") cursor += Number.isNaN(n) ? 1 : n;
      i = end;
    } else if (ch === ESC) {
      // Other escapes (ESC, intermediates from space to /, one final byte) show nothing.
      let end = i + 1;
      while (end < raw.length && raw.charCodeAt(end) >= 0x20 && raw.charCodeAt(end) <= 0x2f) end++;
      const final = raw.charCodeAt(end);
      i = final >= 0x30 && final <= 0x7e ? end : end - 1;
    } else if ((code >= 0x20 && code !== 0x7f) || ch === "\t") {
      put(ch);
    }
  }
  return shown.join("").replace(/^>+/, "").trimEnd();
}

/** `ESC [ n J` and `ESC [ n K` on one line: 0 erases from the cursor, 1 up to it, 2 all of it. */
function erase(shown: string[], cursor: number, mode: number): void {
  if (mode === 0) shown.length = Math.min(shown.length, cursor);
  else if (mode === 1) shown.fill(" ", 0, Math.min(shown.length, cursor + 1));
  else shown.length = 0;
}

/** CSI sequences end with a byte from `@` to `~`. */
function isFinal(code: number): boolean {
  return code >= 0x40 && code <= 0x7e;
}

/**
 * A node prints this before the topic and payload of every report it publishes on MQTT, so a
 * person (and `parking flash`) can see on the console that it is up: `MQTT parking/A/12 {...}`.
 * It does not start with `{`, so serial ingest never takes it for a serial-fallback report.
 */
export const MQTT_REPORT_PREFIX = "MQTT ";

/** A line the node printed after publishing a report: its topic and payload, else undefined. */
export function publishedReport(line: string): { topic: string; payload: string } | undefined {
  if (!line.startsWith(MQTT_REPORT_PREFIX)) return undefined;
  const rest = line.slice(MQTT_REPORT_PREFIX.length);
  const space = rest.indexOf(" ");
  if (space <= 0 || rest.charAt(space + 1) !== "{") return undefined;
  return { topic: rest.slice(0, space), payload: rest.slice(space + 1) };
}

/**
 * A report a node printed on its console, decoded as the gateway would: a serial-fallback JSON
 * line (`via` serial), or the note of one it published (`via` mqtt); null for any other line.
 * `root` is the node's topic root; without it a published report's root is read off its topic.
 */
export function decodeConsoleLine(
  line: string,
  root?: string,
): { result: DecodeResult; via: "serial" | "mqtt" } | null {
  if (line.startsWith("{"))
    return { result: decodeSerialLine(root ?? DEFAULT_TOPIC_ROOT, line), via: "serial" };
  const published = publishedReport(line);
  if (published === undefined) return null;
  // The root is whatever comes before <zone>/<spot>.
  const topicRoot = root ?? published.topic.split("/").slice(0, -2).join("/");
  return { result: decode(topicRoot, published.topic, published.payload), via: "mqtt" };
}
