import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeUtf8, decodeUtf8Manually, utf8ByteLength } from "../src/utf8.js";

function strictTextDecoder(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

describe("utf8", () => {
  it("decodes manually exactly as a strict TextDecoder does, for any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(decodeUtf8Manually(bytes)).toBe(strictTextDecoder(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it("decodes manually any encoded string back to itself", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 64 }), (s) => {
        expect(decodeUtf8Manually(new TextEncoder().encode(s))).toBe(s);
      }),
    );
  });

  it.each([
    ["overlong slash", [0xc0, 0xaf]],
    ["overlong 3-byte", [0xe0, 0x80, 0xaf]],
    ["encoded surrogate", [0xed, 0xa0, 0x80]],
    ["above U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
    ["truncated sequence", [0x41, 0xe2, 0x82]],
    ["lone continuation", [0x80]],
  ])("refuses %s", (_what, bytes) => {
    expect(decodeUtf8Manually(new Uint8Array(bytes))).toBeUndefined();
    expect(decodeUtf8(new Uint8Array(bytes))).toBeUndefined();
  });

  it("drops a leading byte-order mark, like TextDecoder", () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0x6f, 0x6b]);
    expect(decodeUtf8Manually(bytes)).toBe("ok");
    expect(decodeUtf8(bytes)).toBe("ok");
  });

  it("counts UTF-8 bytes as an encoder writes them", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 64 }), (s) => {
        expect(utf8ByteLength(s)).toBe(new TextEncoder().encode(s).length);
      }),
    );
  });
});
