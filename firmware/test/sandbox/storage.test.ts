import { describe, expect, it } from "vitest";
import { evaluate, readEspruinoJson, sandbox } from "./support.js";

describe("require('Storage'), in memory", () => {
  it("writes, reads, lists and erases files", () => {
    const box = sandbox({ storage: { "seed.txt": "hello" } });
    box.run(`
      var s = require("Storage");
      s.write("a.txt", "abc\\x00\\xff");
      print(s.read("seed.txt"), s.read("a.txt").length, s.read("a.txt", 1, 2));
      print(JSON.stringify(s.list()));
      print(JSON.stringify(s.list(/\\.txt$/)));
      s.erase("seed.txt");
      print(s.read("seed.txt") === undefined, JSON.stringify(s.list()));
    `);
    expect(box.consoleLines()).toEqual([
      "hello 5 bc",
      '["seed.txt","a.txt"]',
      '["seed.txt","a.txt"]',
      'true ["a.txt"]',
    ]);
    expect(box.storageFile("a.txt")).toBe("abc\x00\xff");
  });

  it("writeJSON / readJSON round-trip, and readJSON(name, true) of a missing or corrupt file is undefined", () => {
    const box = sandbox({ storage: { "bad.json": "{not json" } });
    box.run(`
      var s = require("Storage");
      s.writeJSON("parking.json", { zone: "A", spot: "7", mqtt: { port: 1883 } });
      var back = s.readJSON("parking.json", true);
      print(back.zone + back.spot + back.mqtt.port);
      print(s.readJSON("missing.json", true) === undefined, s.readJSON("missing.json") === undefined);
      print(s.readJSON("bad.json", true) === undefined);
      try { s.readJSON("bad.json"); print("no throw"); } catch (e) { print("threw " + e.name); }
    `);
    expect(box.consoleLines()).toEqual(["A71883", "true true", "true", "threw SyntaxError"]);
    // As the interpreter writes it: identifier keys without quotes.
    expect(box.storageFile("parking.json")).toBe('{zone:"A",spot:"7",mqtt:{port:1883}}');
    expect(readEspruinoJson(box.storageFile("parking.json"))).toEqual({
      zone: "A",
      spot: "7",
      mqtt: { port: 1883 },
    });
  });

  it("writes a file in chunks: size on the first write, offsets after", () => {
    const box = sandbox();
    box.run(`
      var s = require("Storage");
      s.write(".bootcde", "print(", 0, 12);
      s.write(".bootcde", '"hi"', 6);
      s.write(".bootcde", ");", 10);
      var threw = false;
      try { s.write(".bootcde", "toolong", 10); } catch (e) { threw = true; }
      try { s.write("nofile", "x", 3); } catch (e) { threw = threw && true; print("no file: " + e.message); }
      print(threw);
    `);
    expect(box.storageFile(".bootcde")).toBe('print("hi");');
    expect(box.consoleLines()).toEqual([
      "no file: Storage.write: nofile does not exist; give its size on the first write",
      "true",
    ]);
  });

  it("a first chunk leaves the rest of the file erased (0xFF)", () => {
    const box = sandbox();
    box.run('require("Storage").write("f", "ab", 1, 4);');
    expect(box.storageFile("f")).toBe("\xffab\xff");
  });

  it("refuses names over 28 characters and stores typed arrays as bytes", () => {
    const box = sandbox();
    expect(() => box.run(`require("Storage").write("${"n".repeat(29)}", "x");`)).toThrow(/1 to 28/);
    box.run('require("Storage").write("bin", new Uint8Array([0, 65, 255]));');
    expect(box.storageFile("bin")).toBe("\x00A\xff");
    expect(evaluate(box, 'new Uint8Array(require("Storage").readArrayBuffer("bin"))[2]')).toBe(255);
  });

  it("eraseAll empties Storage", () => {
    const box = sandbox({ storage: { a: "1", b: "2" } });
    box.run('require("Storage").eraseAll();');
    expect(box.storage()).toEqual({});
  });
});
