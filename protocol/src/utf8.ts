/** UTF-8 length of a string; a lone surrogate counts 3 bytes, as an encoder would write U+FFFD. */
export function utf8ByteLength(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isContinuation(b: number): boolean {
  return b >= 0x80 && b <= 0xbf;
}

/**
 * Strict UTF-8 decoding (WHATWG rules: no overlongs, no surrogates, nothing above U+10FFFF,
 * leading BOM dropped) for engines without TextDecoder, such as Espruino.
 * Returns undefined for malformed input instead of throwing.
 */
export function decodeUtf8Manually(bytes: Uint8Array): string | undefined {
  const n = bytes.length;
  // -1 past the end fails every continuation check, so truncated sequences are rejected.
  const at = (i: number): number => (i < n ? (bytes[i] as number) : -1);
  let i = at(0) === 0xef && at(1) === 0xbb && at(2) === 0xbf ? 3 : 0;
  let out = "";
  while (i < n) {
    const b0 = at(i);
    let cp: number;
    if (b0 < 0x80) {
      cp = b0;
      i += 1;
    } else if (b0 >= 0xc2 && b0 <= 0xdf) {
      const b1 = at(i + 1);
      if (!isContinuation(b1)) return undefined;
      cp = ((b0 & 0x1f) << 6) | (b1 & 0x3f);
      i += 2;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      const b1 = at(i + 1);
      const b2 = at(i + 2);
      const low = b0 === 0xe0 ? 0xa0 : 0x80;
      const high = b0 === 0xed ? 0x9f : 0xbf;
      if (b1 < low || b1 > high || !isContinuation(b2)) return undefined;
      cp = ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
      i += 3;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      const b1 = at(i + 1);
      const b2 = at(i + 2);
      const b3 = at(i + 3);
      const low = b0 === 0xf0 ? 0x90 : 0x80;
      const high = b0 === 0xf4 ? 0x8f : 0xbf;
      if (b1 < low || b1 > high || !isContinuation(b2) || !isContinuation(b3)) return undefined;
      cp = ((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
      i += 4;
    } else {
      return undefined;
    }
    if (cp < 0x10000) {
      out += String.fromCharCode(cp);
    } else {
      const v = cp - 0x10000;
      out += String.fromCharCode(0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
    }
  }
  return out;
}

/** Decodes UTF-8, or returns undefined when the bytes are not valid UTF-8. Never throws. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  if (typeof TextDecoder === "undefined") return decodeUtf8Manually(bytes);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
