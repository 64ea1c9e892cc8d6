/**
 * Turning host data into JavaScript source that Espruino's REPL evaluates to the same bytes.
 *
 * Espruino strings are byte strings, and on builds with Unicode support a `\u00e9` escape
 * becomes two UTF-8 bytes while `\xe9` stays one byte. So every string is sent as its UTF-8
 * bytes, each byte outside printable ASCII as `\xNN`: the file on the device then equals the
 * bundle byte for byte, and no control character (Ctrl-C, `\x10`, escape) reaches the REPL's
 * line editor raw.
 */

import { crc32 as zlibCrc32 } from "node:zlib";

const SHORT_ESCAPES: Record<number, string> = { 34: '\\"', 92: "\\\\", 10: "\\n", 13: "\\r", 9: "\\t" };

/** The JS source text (without quotes) of one byte. */
function escapeByte(byte: number): string {
  const short = SHORT_ESCAPES[byte];
  if (short !== undefined) return short;
  if (byte >= 0x20 && byte < 0x7f) return String.fromCharCode(byte);
  return `\\x${byte.toString(16).padStart(2, "0")}`;
}

export function byteStringLiteral(bytes: Uint8Array): string {
  let body = "";
  for (const byte of bytes) body += escapeByte(byte);
  return `"${body}"`;
}

/**
 * Splits `bytes` so that each piece's literal is at most `maxLiteral` characters and at most
 * `maxBytes` long; escapes make the literal up to four times longer than the bytes.
 */
export function chunkForLiterals(bytes: Uint8Array, maxBytes: number, maxLiteral: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let start = 0;
  let literal = 2;
  for (let i = 0; i < bytes.length; i++) {
    const width = escapeByte(bytes[i] ?? 0).length;
    if (i > start && (i - start >= maxBytes || literal + width > maxLiteral)) {
      chunks.push(bytes.subarray(start, i));
      start = i;
      literal = 2;
    }
    literal += width;
  }
  if (start < bytes.length) chunks.push(bytes.subarray(start));
  return chunks;
}

/**
 * CRC-32 (IEEE 802.3, as zlib and Espruino's `E.CRC32` compute it), as an unsigned number.
 * zlib's is native: the tool checks a 24 KB bundle in well under a millisecond.
 */
export function crc32(bytes: Uint8Array): number {
  return zlibCrc32(bytes) >>> 0;
}

/**
 * One REPL line that prints `<length> <crc>` of a Storage file, or `none`: the device reads the
 * file where it lies in flash and `E.CRC32` runs in C, so 24 KB take milliseconds where a
 * JavaScript loop took seconds (long enough to trip an ESP32's task watchdog). `E.CRC32` has
 * answered the unsigned number since it appeared (2v05; checked on 2v29, 64- and 32-bit builds);
 * `>>>0` keeps the comparison right should a build answer the same bits as a signed int32.
 */
export function deviceChecksumJs(file: string): string {
  return (
    `(function(){var s=require("Storage").read(${JSON.stringify(file)});` +
    `print(s===undefined?"none":s.length+" "+(E.CRC32(s)>>>0));})()`
  );
}
