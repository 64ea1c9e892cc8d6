import { describe, expect, it } from "vitest";
import { constructs, expectCaught } from "./support.js";

describe("checkBundle refuses regular expressions Espruino silently mismatches", () => {
  it.each([
    ["regex quantifier ?", "const r = /colou?r/;", "?r/"],
    ["regex quantifier ?", "const r = /a+?b/;", "?b/"],
    ["regex quantifier {n}", "const r = /a{2}/;", "{2}"],
    ["regex quantifier {n}", "const r = /\\d{1,3}x/;", "{1,3}"],
    ["regex quantifier {n}", "const r = /x{2,}/g;", "{2,}"],
    ["regex group (?", "const r = /(?:ab)+/;", "(?:"],
    ["regex group (?", "const r = /a(?=b)/;", "(?="],
    ["regex group (?", "const r = /(?<year>\\d+)/;", "(?<"],
    ["regex quantifier ?", 'const r = new RegExp("colou?r");', '"colou'],
    ["regex quantifier {n}", 'const r = RegExp("a{3}", "g");', '"a{3}"'],
    ["dynamic RegExp", "const r = new RegExp(pattern);", "new RegExp"],
  ])("%s: %s", (construct, code, at) => {
    expectCaught(code, construct, at);
  });

  it("accepts * and +, and ? or { where they are literal characters", () => {
    const code = [
      "const a = /^[A-Za-z0-9_-]+$/;",
      "const b = /a*b+(cd)+/;",
      "const c = /[?{}]+/;",
      "const d = /a\\?\\{2\\}/;",
      "const e = /a{/;",
      'const f = new RegExp("^x+$");',
    ].join("\n");
    expect(constructs(code)).toEqual([]);
  });
});
