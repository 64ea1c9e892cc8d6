import { describe, expect, it } from "vitest";
import { constructs, expectCaught } from "./support.js";

describe("checkBundle refuses globals Espruino lacks", () => {
  it.each([
    ["Map", "const m = new Map();", "Map"],
    ["Set", "const s = new Set([1]);", "Set"],
    ["WeakMap", "const w = new WeakMap();", "WeakMap"],
    ["WeakSet", "const w = new WeakSet();", "WeakSet"],
    ["Symbol", "const k = Symbol('k');", "Symbol"],
    ["Symbol", "const it = xs[Symbol.iterator];", "Symbol"],
    ["BigInt", "const n = BigInt(1);", "BigInt"],
    ["RangeError", "throw new RangeError('x');", "RangeError"],
    ["Array.from", "const ys = Array.from(xs);", "Array.from"],
    ["Array.of", "const ys = Array.of(1, 2);", "Array.of"],
    ["Number.isInteger", "if (Number.isInteger(x)) f();", "Number.isInteger"],
    ["Number.isFinite", "if (Number.isFinite(x)) f();", "Number.isFinite"],
    ["Number.EPSILON", "const e = Number.EPSILON;", "Number.EPSILON"],
    ["Math.trunc", "const t = Math.trunc(x);", "Math.trunc"],
    ["Math.hypot", "const h = Math.hypot(x, y);", "Math.hypot"],
    ["Math.log10", "const l = Math.log10(x);", "Math.log10"],
    ["Object.freeze", "const o = Object.freeze({});", "Object.freeze"],
    ["Object.freeze", 'const o = Object["freeze"]({});', "Object["],
    ["Promise.race", "Promise.race([a, b]);", "Promise.race"],
    ["Promise.allSettled", "Promise.allSettled([a, b]);", "Promise.allSettled"],
    ["Date.UTC", "const t = Date.UTC(2026, 0, 1);", "Date.UTC"],
    ["Promise.prototype.finally", "p.then(f).finally(done);", "p.then"],
    ["extends Error", "class Timeout extends Error {}", "Error"],
    ["extends Error", "const E = class extends TypeError {};", "TypeError"],
  ])("%s: %s", (construct, code, at) => {
    expectCaught(code, construct, at);
  });

  it("leaves a local of the same name alone", () => {
    const code = [
      "function f(Map) { return new Map(); }",
      "function g() { const Set = make(); return new Set(); }",
      "var Array = { from: (x) => x }; Array.from(1);",
      "class Error {} class E extends Error {}",
    ].join("\n");
    expect(constructs(code)).toEqual([]);
  });

  it("leaves properties, keys, comments and strings alone", () => {
    const code = [
      "// new Map(), Array.from(x), a?.b, 2 ** 3",
      "const s = 'Symbol Set ... ?. **';",
      "const o = { Map: 1, Set() {}, from: 2 };",
      "o.Map = o.Symbol + o.from;",
      "x.Array.from(y);",
    ].join("\n");
    expect(constructs(code)).toEqual([]);
  });
});

describe("checkBundle refuses calls that need hoisting", () => {
  it("flags a call that runs before the declaration", () => {
    expectCaught("start();\nfunction start() {}", "no hoisting", "start();");
  });

  it("flags a call to a function that reaches a later one", () => {
    const code = "function a() { return b(); }\na();\nfunction b() { return 1; }";
    expectCaught(code, "no hoisting", "a();");
    expect(constructs(code)).toEqual(["no hoisting"]);
  });

  it("flags a function passed by reference before its declaration", () => {
    expectCaught("setTimeout(tick, 10);\nfunction tick() {}", "no hoisting", "tick,");
  });

  it("accepts mutual recursion and callbacks that run after loading", () => {
    const code = [
      "function connect() { net.connect(opts, () => retry()); }",
      "function retry() { setTimeout(connect, 1000); }",
      "setTimeout(() => later(), 10);",
      "connect();",
      "function later() {}",
    ].join("\n");
    expect(constructs(code)).toEqual([]);
  });
});
