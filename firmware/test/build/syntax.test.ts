import { describe, expect, it } from "vitest";
import { checkBundle } from "../../build/check.js";
import { expectCaught } from "./support.js";

describe("checkBundle refuses syntax Espruino cannot parse", () => {
  it.each([
    ["default parameter", "function f(a, b = 1) { return a + b; }", "b = 1"],
    ["default parameter", "const f = (a = 1) => a;", "a = 1"],
    ["rest parameter", "function f(a, ...rest) { return rest; }", "...rest"],
    ["array spread", "const xs = [0, ...ys];", "...ys"],
    ["call spread", "f(...args);", "...args"],
    ["call spread", "new C(...args);", "...args"],
    ["object spread", "const o = { a: 1, ...p };", "...p"],
    ["destructuring declaration", "const { a, b } = o;", "{ a, b }"],
    ["destructuring declaration", "let [x, y] = xs;", "[x, y]"],
    ["destructuring declaration", "try { f(); } catch ({ message }) { g(message); }", "{ message }"],
    ["destructuring parameter", "function f({ a }) { return a; }", "{ a }"],
    ["destructuring parameter", "const g = ([a]) => a;", "[a]"],
    ["destructuring assignment", "[a, b] = [b, a];", "[a, b] ="],
    ["destructuring assignment", "({ a } = o);", "{ a } ="],
    ["for-of destructuring", "for (const [k, v] of pairs) f(k, v);", "[k, v]"],
    ["for-of destructuring", "for ([k, v] of pairs) f(k, v);", "[k, v]"],
    ["computed key", "const o = { [key]: 1 };", "[key]"],
    ["computed key", "class A { [name]() {} }", "[name]"],
    ["tagged template", "const s = tag`x`;", "tag`"],
    ["optional chaining ?.", "const v = o?.a;", "?."],
    ["optional chaining ?.", "const v = o?.[k];", "?."],
    ["optional chaining ?.", "f?.();", "?."],
    ["exponent **", "const y = x ** 2;", "**"],
    ["exponent **", "y **= 2;", "**="],
    ["async function", "async function f() {}", "async"],
    ["async function", "const g = async () => 1;", "async"],
    ["async function", "class A { async m() {} }", "async"],
    ["await", "async function f() { await p; }", "await"],
    ["await", "async function f() { for await (const x of xs) g(x); }", "await ("],
    ["generator", "function* g() {}", "function*"],
    ["generator", "class A { *m() {} }", "*m"],
    ["yield", "function* g() { yield 1; }", "yield"],
    ["#private", "class A { #x = 1; get() { return this.#x; } }", "#x = 1"],
    ["#private", "class A { #x = 1; get() { return this.#x; } }", "#x;"],
    ["BigInt literal", "const n = 10n;", "10n"],
    ["label", "outer: for (;;) break outer;", "outer:"],
  ])("%s: %s", (construct, code, at) => {
    expectCaught(code, construct, at);
  });

  it("explains each finding with a way out", () => {
    const [finding] = checkBundle("function f(a = 1) { return a; }", "bundle.js");
    expect(finding?.message).toBe(
      "default parameter is a syntax error on Espruino: test for undefined in the body",
    );
  });
});

describe("checkBundle refuses the shape that aborts Espruino builds with assertions", () => {
  const construct = "this-arrow in a short-circuit";
  it.each([
    [
      "the minifier's armAck",
      "class C { m(t) { t<0||(this.a=setTimeout(()=>{this.a=0},t)); } }",
      "()=>{this.a",
    ],
    ["after &&", "class C { m(t) { t&&setTimeout(()=>this.go(),1); } }", "()=>this.go()"],
    ["after ??", "class C { m(t) { t??setTimeout(()=>this.go(),1); } }", "()=>this.go()"],
    ["a branch of ?:", "class C { m(t) { t?0:setTimeout(()=>this.go(),1); } }", "()=>this.go()"],
    ["nested arrows share this", "class C { m(t) { t||f(()=>()=>this.x); } }", "()=>()=>this.x"],
  ])("%s", (_name, code, at) => {
    expectCaught(code, construct, at);
  });

  it.each([
    ["a statement of its own", "class C { m(t) { if (t<0) return; this.a=setTimeout(()=>{this.a=0},t); } }"],
    ["an arrow without this", "class C { m(t) { const s=this; t<0||(s.a=setTimeout(()=>{s.a=0},t)); } }"],
    ["a function keeps its own this", "class C { m(t) { t||f(function(){return this;}); } }"],
    ["the condition of ?:", "class C { m() { return (()=>this.x)()?1:2; } }"],
  ])("lets %s pass", (_name, code) => {
    expect(checkBundle(code, "bundle.js").filter((f) => f.construct === construct)).toEqual([]);
  });
});
