import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { byteStringLiteral, chunkForLiterals, crc32, deviceChecksumJs } from "../../tools/encode.js";
import { progressBar, progressPrinter } from "../../tools/progress.js";
import { fixtureBundle } from "./fixtureBundle.js";

/** Evaluates as Espruino does for these literals: one char per byte. */
function evalBytes(literal: string): Buffer {
  return Buffer.from(vm.runInNewContext(literal) as string, "latin1");
}

describe("REPL literals", () => {
  const bundle = fixtureBundle();

  it("evaluate to the exact bytes, with nothing but printable ASCII on the wire", () => {
    const literal = byteStringLiteral(bundle);
    expect(evalBytes(literal).equals(bundle)).toBe(true);
    expect(literal).toMatch(/^[\x20-\x7e]+$/);
  });

  it("split into chunks that respect both limits and join back to the bundle", () => {
    const chunks = chunkForLiterals(bundle, 512, 900);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(512);
      expect(byteStringLiteral(chunk).length).toBeLessThanOrEqual(900);
    }
    expect(Buffer.concat(chunks).equals(bundle)).toBe(true);
  });
});

describe("checksum", () => {
  it("is the standard CRC-32, unsigned", () => {
    // What Espruino 2v29 printed for E.CRC32("123456789") and E.CRC32("\xff\xfe\x80").
    expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
    expect(crc32(Buffer.from([0xff, 0xfe, 0x80]))).toBe(643736300);
  });

  it("comes out the same on the device, whether E.CRC32 answers it signed or unsigned", () => {
    const bundle = fixtureBundle();
    for (const sign of [(n: number) => n >>> 0, (n: number) => n | 0]) {
      let printed = "";
      vm.runInNewContext(deviceChecksumJs(".bootcde"), {
        // Espruino's Storage.read gives a byte string, E.CRC32 takes each char as a byte.
        require: () => ({ read: () => bundle.toString("latin1") }),
        E: { CRC32: (s: string) => sign(crc32(Buffer.from(s, "latin1"))) },
        print: (text: string) => {
          printed = text;
        },
      });
      expect(printed).toBe(`${bundle.length} ${crc32(bundle)}`);
    }
  });
});

describe("progress", () => {
  it("draws a bar on a terminal and tenths elsewhere", () => {
    expect(progressBar(5222, 12288)).toBe("[########            ] 42% 5.1/12.0 KB");
    const tty: string[] = [];
    const log: string[] = [];
    const onTty = progressPrinter({ isTTY: true, write: (text) => tty.push(text) });
    const onLog = progressPrinter({ write: (text) => log.push(text) });
    for (let done = 0; done <= 12288; done += 512) {
      onTty(done, 12288);
      onLog(done, 12288);
    }
    expect(tty[0]).toBe("\r[                    ] 0% 0.0/12.0 KB\n");
    expect(tty.at(-1)).toBe("\x1B[A\r[####################] 100% 12.0/12.0 KB\n");
    // Every drawing ends its line: an error printed mid-upload is never glued to the bar.
    expect(tty.every((text) => text.endsWith("\n"))).toBe(true);
    expect(log).toHaveLength(11);
    expect(log.at(-1)).toBe("uploaded 100% (12.0/12.0 KB)\n");
  });
});
