import { decodeUtf8 } from "../../../protocol/src/utf8.js";

/**
 * UTF-8 bytes of a JS string as a binary string (one char per byte), the form Espruino sockets
 * read and write. A lone surrogate becomes U+FFFD, as TextEncoder writes it.
 */
export function utf8Encode(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out += s.charAt(i);
      continue;
    }
    if (c < 0x800) {
      out += String.fromCharCode(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && (next & 0xfc00) === 0xdc00) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        out += String.fromCharCode(
          0xf0 | (c >> 18),
          0x80 | ((c >> 12) & 0x3f),
          0x80 | ((c >> 6) & 0x3f),
          0x80 | (c & 0x3f),
        );
        continue;
      }
      c = 0xfffd;
    }
    out += String.fromCharCode(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return out;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) return false;
  }
  return true;
}

/** The string a binary string of UTF-8 bytes encodes, or undefined when they are not valid UTF-8. */
export function utf8Decode(bin: string): string | undefined {
  // Topics and JSON settings are ASCII: no copy into a byte array on the node's small heap.
  if (isAscii(bin)) return bin;
  // MQTT keeps a leading U+FEFF (MQTT-1.5.3-3) where WHATWG decoding drops it: decode behind a
  // sentinel byte so the BOM, if any, is no longer leading.
  const bytes = new Uint8Array(bin.length + 1);
  bytes[0] = 0x20;
  for (let i = 0; i < bin.length; i++) bytes[i + 1] = bin.charCodeAt(i) & 0xff;
  const text = decodeUtf8(bytes);
  return text === undefined ? undefined : text.slice(1);
}
