/**
 * Turning host data into JavaScript source that Espruino's REPL evaluates to the same bytes.
 *
 * Espruino strings are byte strings, and on builds with Unicode support a `\u00e9` escape
 * becomes two UTF-8 bytes while `\xe9` stays one byte. So every string is sent as its UTF-8
 * bytes, each byte outside printable ASCII as `\xNN`: the file on the device then equals the
 * bundle byte for byte, and no control character (Ctrl-C, `\x10`, escape) reaches the REPL's
 * line editor raw.
 */

export type JsValue = string | number | boolean | { [key: string]: JsValue };

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

export function jsLiteral(value: JsValue): string {
  if (typeof value === "string") return byteStringLiteral(Buffer.from(value, "utf8"));
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const members = Object.entries(value).map(
    ([key, member]) => `${byteStringLiteral(Buffer.from(key))}:${jsLiteral(member)}`,
  );
  return `{${members.join(",")}}`;
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
 * Adler-32, because it needs only additions and `%` on numbers below 2^17: exact in Espruino's
 * arithmetic, which has no `Math.imul` guarantee and mixes 32-bit ints with doubles.
 */
export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const byte of bytes) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return b * 65536 + a;
}

/**
 * The same Adler-32 as {@link adler32}, as one REPL line that prints `<length> <sum>` of a
 * Storage file, or `none`. Written for Espruino: `var`, a plain `for`, no arrows or `let`.
 */
export function deviceChecksumJs(file: string): string {
  return (
    `(function(){var s=require("Storage").read(${JSON.stringify(file)});` +
    `if(s===undefined){print("none");return;}` +
    "var a=1,b=0;for(var i=0;i<s.length;i++){a=(a+s.charCodeAt(i))%65521;b=(b+a)%65521;}" +
    `print(s.length+" "+(b*65536+a));})()`
  );
}
