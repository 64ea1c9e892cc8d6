import vm from "node:vm";
import { describe, expect, it } from "vitest";
import {
  adler32,
  byteStringLiteral,
  chunkForLiterals,
  deviceChecksumJs,
  jsLiteral,
} from "../../tools/encode.js";
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

  it("writes settings as an object literal whose strings are UTF-8 bytes", () => {
    const literal = jsLiteral({ wifi: { ssid: "Café", password: 'a"b\\c' }, port: 1883 });
    const value = vm.runInNewContext(`(${literal})`) as {
      wifi: { ssid: string; password: string };
      port: number;
    };
    expect(Buffer.from(value.wifi.ssid, "latin1").toString("utf8")).toBe("Café");
    expect(value.wifi.password).toBe('a"b\\c');
    expect(value.port).toBe(1883);
  });
});

describe("checksum", () => {
  it("is Adler-32", () => {
    expect(adler32(Buffer.from("Wikipedia"))).toBe(0x11e60398);
  });

  it("comes out the same on the device", () => {
    const bundle = fixtureBundle();
    let printed = "";
    vm.runInNewContext(deviceChecksumJs(".bootcde"), {
      require: () => ({ read: () => bundle.toString("latin1") }),
      print: (text: string) => {
        printed = text;
      },
    });
    expect(printed).toBe(`${bundle.length} ${adler32(bundle)}`);
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
    expect(tty.at(-1)).toBe("\r[####################] 100% 12.0/12.0 KB\n");
    expect(log).toHaveLength(11);
    expect(log.at(-1)).toBe("uploaded 100% (12.0/12.0 KB)\n");
  });
});
