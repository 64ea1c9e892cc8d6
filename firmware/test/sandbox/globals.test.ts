import { describe, expect, it } from "vitest";
import { evaluate, sandbox, sleep } from "./support.js";

describe("the sandbox's global scope holds only what Espruino has", () => {
  it.each([
    "Map",
    "Set",
    "WeakMap",
    "WeakSet",
    "Symbol",
    "RangeError",
    "BigInt",
    "Proxy",
    "Reflect",
    "WeakRef",
    "queueMicrotask",
    "structuredClone",
    "TextEncoder",
    "TextDecoder",
    "Buffer",
    "setImmediate",
    "module",
    "exports",
    "URL",
    "fetch",
    "Intl",
    "WebAssembly",
    "SharedArrayBuffer",
    "Atomics",
    "AggregateError",
    "EvalError",
    "URIError",
  ])("%s is not defined", (name) => {
    const box = sandbox();
    expect(evaluate(box, `typeof ${name}`)).toBe("undefined");
    expect(() => box.run(`${name};`)).toThrow(`${name} is not defined`);
  });

  it.each([
    "Array.from",
    "Array.of",
    "Number.isInteger",
    "Number.isFinite",
    "Number.EPSILON",
    "Math.trunc",
    "Math.hypot",
    "Math.log10",
    "Object.freeze",
    "Promise.race",
    "Promise.allSettled",
    "Promise.prototype.finally",
    "Date.UTC",
  ])("%s is undefined", (member) => {
    const box = sandbox();
    expect(evaluate(box, `${member} === undefined`)).toBe(true);
  });

  it("keeps Number working without EPSILON", () => {
    const box = sandbox();
    expect(
      evaluate(
        box,
        `Number("4.5") === 4.5 && Number() === 0 && new Number(3) instanceof Number &&
         (5).constructor === Number && Number.MAX_SAFE_INTEGER === 9007199254740991 &&
         typeof Number.parseFloat === "function" && (12.345).toFixed(1) === "12.3"`,
      ),
    ).toBe(true);
  });

  it("fails a script using Map with a ReferenceError, printed as uncaught", () => {
    const box = sandbox();
    let caught: unknown;
    try {
      box.run("var seen = new Map(); seen.set('a', 1);", "uses-map.js");
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).name).toBe("ReferenceError");
    expect((caught as Error).message).toBe("Map is not defined");
    expect(box.consoleLines()).toContain("Uncaught ReferenceError: Map is not defined");
  });

  it("keeps what Espruino has", () => {
    const box = sandbox();
    const present = [
      "Object.assign",
      "Object.values",
      "Object.entries",
      "Object.fromEntries",
      "Promise.all",
      "Promise.resolve",
      "Promise.prototype.then",
      "JSON.stringify",
      "Uint8Array",
      "DataView",
      "ArrayBuffer",
      "parseInt",
      "parseFloat",
      "isNaN",
      "isFinite",
      "encodeURIComponent",
      "Math.round",
      "Date.now",
      "String.prototype.padStart",
      "String.prototype.replaceAll",
      "Error",
      "TypeError",
      "SyntaxError",
      "ReferenceError",
      "setTimeout",
      "setInterval",
      "clearTimeout",
      "clearInterval",
      "getTime",
      "print",
      "console.log",
      "digitalPulse",
      "digitalWrite",
      "digitalRead",
      "pinMode",
      "setWatch",
      "clearWatch",
      "Pin",
      "D0",
      "D39",
      "E.getTemperature",
      "E.on",
      "E.emit",
      "ESP32.deepSleep",
      "require",
      "load",
      "reset",
    ];
    for (const name of present) expect(evaluate(box, `${name} !== undefined`), name).toBe(true);
    expect(evaluate(box, "typeof D40")).toBe("undefined");
    expect(evaluate(box, 'new Pin("D5") === D5 && Pin(5) === D5 && Pin("X9") === undefined')).toBe(true);
    expect(() => box.run('require("ESP32")')).toThrow('Module "ESP32" not found');
  });

  it("runs for...of, classes and promises natively without Symbol", async () => {
    const box = sandbox();
    box.run(`
      class Counter { constructor() { this.n = 0; } add(x) { this.n += x; return this; } }
      var c = new Counter();
      for (const x of [1, 2, 3]) c.add(x);
      for (const ch of "ab") c.add(ch.length);
      Promise.all([Promise.resolve(1), 2]).then(function (v) { print("sum " + (c.n + v[0] + v[1])); });
    `);
    await sleep(5);
    expect(box.consoleLines()).toEqual(["sum 11"]);
  });

  it("hands out objects of the sandbox's own realm", () => {
    const box = sandbox({ storage: { "a.json": '{"x":[1]}' } });
    expect(
      evaluate(
        box,
        `(function () {
          var o = require("Storage").readJSON("a.json");
          var ok = o instanceof Object && o.x instanceof Array && o.constructor.freeze === undefined;
          var watchOk = setWatch.constructor === Function && require("Storage").list() instanceof Array;
          return ok && watchOk;
        })()`,
      ),
    ).toBe(true);
  });

  it("throws Espruino's error for a module it lacks, such as Wifi", () => {
    const box = sandbox();
    expect(() => box.run('require("Wifi")')).toThrow('Module "Wifi" not found');
    box.run(`
      var wifi;
      try { wifi = require("Wifi"); } catch (e) { print("no wifi: " + e.message); }
    `);
    expect(box.consoleLines()).toEqual([
      'Uncaught Error: Module "Wifi" not found',
      'no wifi: Module "Wifi" not found',
    ]);
  });

  it("gives every object on / emit / removeListener like Espruino", () => {
    const box = sandbox();
    box.run(`
      var o = {};
      var f = function (a, b) { print("got " + a + b); };
      o.on("x", f);
      o.emit("x", 1, 2);
      o.removeListener("x", f);
      o.emit("x", 3, 4);
      print(JSON.stringify(o) + " " + Object.keys(o).length);
    `);
    expect(box.consoleLines()).toEqual(["got 12", "{} 0"]);
  });
});

describe("timers", () => {
  it("clearTimeout() with no argument stops every timeout and interval", async () => {
    const box = sandbox();
    box.run(`
      setTimeout(function () { print("timeout"); }, 20);
      setInterval(function () { print("interval"); }, 10);
      clearTimeout();
      setTimeout(function () { print("after"); }, 30);
    `);
    await sleep(80);
    expect(box.consoleLines()).toEqual(["after"]);
    expect(box.activeHandles().timers).toBe(0);
  });

  it("clearInterval() with no argument stops them too", async () => {
    const box = sandbox();
    box.run(`
      setTimeout(function () { print("timeout"); }, 20);
      clearInterval();
    `);
    await sleep(40);
    expect(box.consoleLines()).toEqual([]);
  });

  it("clearTimeout(undefined) throws instead of clearing everything", () => {
    const box = sandbox();
    box.run("var keep = setTimeout(function () {}, 1000); var t;");
    expect(() => box.run("clearTimeout(t);")).toThrow(/pass a valid ID/);
    expect(box.activeHandles().timers).toBe(1);
  });

  it("clears one timer by id, passes extra arguments, repeats intervals", async () => {
    const box = sandbox();
    box.run(`
      var a = setTimeout(function () { print("a"); }, 10);
      setTimeout(function (x, y) { print("b " + x + y); }, 10, 1, 2);
      clearTimeout(a);
      var n = 0;
      var i = setInterval(function () { n++; if (n === 3) { clearInterval(i); print("n " + n); } }, 5);
    `);
    await sleep(80);
    expect(box.consoleLines()).toEqual(["b 12", "n 3"]);
  });

  it("prints an exception thrown in a callback and keeps running", async () => {
    const box = sandbox();
    box.run(`
      setTimeout(function () { throw new Error("boom"); }, 1);
      setTimeout(function () { print("still here"); }, 10);
    `);
    await sleep(40);
    expect(box.consoleLines()).toEqual(["Uncaught Error: boom", "still here"]);
    expect(box.errors).toHaveLength(1);
  });

  it("getTime() is seconds as a float, from the injected clock", () => {
    let ms = 1_000_500;
    const box = sandbox({ clock: () => ms });
    expect(evaluate(box, "getTime()")).toBe(1000.5);
    ms += 250;
    expect(evaluate(box, "getTime()")).toBe(1000.75);
  });
});
