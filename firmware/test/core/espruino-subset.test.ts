import { readdirSync, readFileSync } from "node:fs";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/*
 * firmware/src/core runs on Espruino and inside Node (the simulator), so it must avoid what
 * shared/ESPRUINO.md lists under "Fails", and stay pure: no device, timer or clock globals.
 * protocol/test/espruino-subset.test.ts keeps its checker private; this one parses the same
 * way (comments and strings are skipped) and adds the purity and import rules.
 */

const FORBIDDEN_GLOBALS = [
  "Map",
  "Set",
  "WeakMap",
  "WeakSet",
  "Symbol",
  "RangeError",
  "BigInt",
  "RegExp",
  // Purity: time is a parameter, I/O and timers live in the device adapters.
  "Date",
  "setTimeout",
  "setInterval",
  "setWatch",
  "digitalPulse",
  "require",
  "console",
  "E",
];
const FORBIDDEN_MEMBERS = [
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
];

function syntaxProblem(node: ts.Node): string | undefined {
  if (ts.isSpreadElement(node) || ts.isSpreadAssignment(node)) return "spread";
  if (ts.isParameter(node) && node.dotDotDotToken) return "rest parameter";
  if (ts.isParameter(node) && node.initializer) return "default parameter";
  if (ts.isObjectBindingPattern(node) || ts.isArrayBindingPattern(node)) return "destructuring";
  if (
    ts.isBinaryExpression(node) &&
    node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
    (ts.isObjectLiteralExpression(node.left) || ts.isArrayLiteralExpression(node.left))
  ) {
    return "destructuring assignment";
  }
  if (ts.isComputedPropertyName(node)) return "computed key";
  if (
    (ts.isPropertyAccessExpression(node) ||
      ts.isElementAccessExpression(node) ||
      ts.isCallExpression(node)) &&
    node.questionDotToken
  ) {
    return "optional chaining ?.";
  }
  if (
    ts.isBinaryExpression(node) &&
    (node.operatorToken.kind === ts.SyntaxKind.AsteriskAsteriskToken ||
      node.operatorToken.kind === ts.SyntaxKind.AsteriskAsteriskEqualsToken)
  ) {
    return "exponent operator **";
  }
  const modifiers = ts.canHaveModifiers(node) ? (ts.getModifiers(node) ?? []) : [];
  if (modifiers.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword) || ts.isAwaitExpression(node))
    return "async/await";
  if (
    (ts.isFunctionLike(node) && "asteriskToken" in node && node.asteriskToken) ||
    ts.isYieldExpression(node)
  ) {
    return "generator";
  }
  if (ts.isLabeledStatement(node)) return "label";
  if (ts.isTaggedTemplateExpression(node)) return "tagged template";
  if (ts.isPrivateIdentifier(node)) return "#private";
  if (ts.isBigIntLiteral(node)) return "BigInt literal";
  if (ts.isRegularExpressionLiteral(node)) return "regex literal (keep core free of them)";
  if (ts.isClassDeclaration(node) && node.heritageClauses?.some((h) => h.getText().includes("Error"))) {
    return "class extending Error";
  }
  return undefined;
}

function nameProblem(node: ts.Node, laterFunctions: Map<string, number>): string | undefined {
  if (ts.isPropertyAccessExpression(node)) {
    const member = `${node.expression.getText()}.${node.name.text}`;
    if (FORBIDDEN_MEMBERS.includes(member)) return member;
    if (node.name.text === "finally") return "Promise.finally";
  }
  if (ts.isIdentifier(node) && !(ts.isPropertyAccessExpression(node.parent) && node.parent.name === node)) {
    const isKey = ts.isPropertyAssignment(node.parent) && node.parent.name === node;
    if (!isKey && FORBIDDEN_GLOBALS.includes(node.text)) return node.text;
    const declaredAt = laterFunctions.get(node.text);
    if (declaredAt !== undefined && node.getStart() < declaredAt) {
      return `${node.text} used before its declaration (Espruino does not hoist)`;
    }
  }
  if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
    const from = node.moduleSpecifier.text;
    if (!/^\.\/[a-z-]+\.js$/.test(from) && !/^\.\.\/\.\.\/\.\.\/protocol\/src\/[a-z0-9-]+\.js$/.test(from)) {
      return `import from ${from} (core imports only core and protocol/src)`;
    }
  }
  return undefined;
}

function coreProblems(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const functions = new Map<string, number>();
  for (const statement of file.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name)
      functions.set(statement.name.text, statement.getStart());
  }
  const problems: string[] = [];
  const visit = (node: ts.Node): void => {
    const problem = syntaxProblem(node) ?? nameProblem(node, functions);
    if (problem !== undefined) {
      const at = file.getLineAndCharacterOfPosition(node.getStart());
      problems.push(`${fileName}:${at.line + 1}:${at.character + 1} ${problem}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return problems;
}

describe("firmware/src/core stays within the Espruino dialect and pure", () => {
  const dir = new URL("../../src/core/", import.meta.url);
  const files = readdirSync(dir).filter((name) => name.endsWith(".ts"));

  it("has sources to check", () => {
    expect(files).toEqual(
      expect.arrayContaining(["filter.ts", "classifier.ts", "confidence.ts", "settings.ts"]),
    );
  });

  it.each(files)("%s uses nothing Espruino lacks", (name) => {
    expect(coreProblems(name, readFileSync(new URL(name, dir), "utf8"))).toEqual([]);
  });
});

describe("the guard itself", () => {
  it.each([
    ["f(...xs);", "spread"],
    ["const o = { ...p };", "spread"],
    ["function f(...xs: number[]) {}", "rest parameter"],
    ["function f(x = 1) {}", "default parameter"],
    ["const { a } = o;", "destructuring"],
    ["const [a] = xs;", "destructuring"],
    ["[a, b] = [b, a];", "destructuring assignment"],
    ["const o = { [k]: 1 };", "computed key"],
    ["a?.b;", "optional chaining ?."],
    ["x = 2 ** 3;", "exponent operator **"],
    ["async function f() {}", "async/await"],
    ["function* g() {}", "generator"],
    ["outer: for (;;) break outer;", "label"],
    ["class A { #x = 1; }", "#private"],
    ["class Oops extends Error {}", "class extending Error"],
    ["const r = /a+/;", "regex literal"],
    ["const m = new Map();", "Map"],
    ["Array.from(xs);", "Array.from"],
    ["Number.isFinite(x);", "Number.isFinite"],
    ["Math.trunc(x);", "Math.trunc"],
    ["Object.freeze(o);", "Object.freeze"],
    ["p.finally(f);", "Promise.finally"],
    ["const t = Date.now();", "Date"],
    ["setTimeout(f, 1);", "setTimeout"],
    ['import { x } from "node:fs";', "import from node:fs"],
    ['import { x } from "../ranger.js";', "import from ../ranger.js"],
    ["function a() { return b(); }\nfunction b() { return 1; }", "b used before its declaration"],
  ])("flags %s", (source, problem) => {
    expect(coreProblems("x.ts", source).join("\n")).toContain(problem);
  });

  it("passes what Espruino runs, and ignores comments, strings and property names", () => {
    const source = [
      "// no Map, no ...spread, no a?.b, no Date.now() in comments",
      "const s = 'Array.from(x) ... ?. ** setTimeout';",
      'import { isValidId } from "../../../protocol/src/ids.js";',
      'import { median } from "./stats.js";',
      "const o = { console: 1, Date: 2 };",
      "function f(x?: number) { return x ?? 1; }",
      "for (const x of xs) f(x);",
      "const ok = isFinite(o.Date);",
    ].join("\n");
    expect(coreProblems("x.ts", source)).toEqual([]);
  });
});
