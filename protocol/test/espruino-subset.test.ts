import { readdirSync, readFileSync } from "node:fs";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/*
 * A cheap guard until the firmware's bundle checker exists: protocol/src is bundled for
 * Espruino, so it must avoid what shared/ESPRUINO.md lists under "Fails". Parsing (rather than
 * grepping) skips comments and strings and sees every form of each construct.
 */

const FORBIDDEN_GLOBALS = ["Map", "Set", "WeakMap", "WeakSet", "Symbol", "RangeError", "BigInt", "RegExp"];
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
  // Not in ESPRUINO.md, but Espruino's jswrap_date.c defines no Date.UTC.
  "Date.UTC",
  "Promise.race",
  "Promise.allSettled",
];

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
}

/** Why `node` would fail on Espruino, or undefined when it is fine. */
function problemWith(node: ts.Node, laterFunctions: Map<string, number>): string | undefined {
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
  if (hasModifier(node, ts.SyntaxKind.AsyncKeyword) || ts.isAwaitExpression(node)) return "async/await";
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
  if (ts.isRegularExpressionLiteral(node)) {
    const body = node.text.slice(1, node.text.lastIndexOf("/"));
    if (body.includes("?") || body.includes("{")) return "regex quantifier other than * and +";
  }
  if (ts.isPropertyAccessExpression(node)) {
    const member = `${node.expression.getText()}.${node.name.text}`;
    if (FORBIDDEN_MEMBERS.includes(member)) return member;
    if (node.name.text === "finally") return "Promise.finally";
  }
  if (ts.isIdentifier(node) && !(ts.isPropertyAccessExpression(node.parent) && node.parent.name === node)) {
    if (FORBIDDEN_GLOBALS.includes(node.text)) return node.text;
    const declaredAt = laterFunctions.get(node.text);
    if (declaredAt !== undefined && node.getStart() < declaredAt) {
      return `${node.text} used before its declaration (Espruino does not hoist)`;
    }
  }
  return undefined;
}

function espruinoProblems(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const functions = new Map<string, number>();
  for (const statement of file.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name)
      functions.set(statement.name.text, statement.getStart());
  }
  const problems: string[] = [];
  const visit = (node: ts.Node): void => {
    const problem = problemWith(node, functions);
    if (problem !== undefined) {
      const at = file.getLineAndCharacterOfPosition(node.getStart());
      problems.push(`${fileName}:${at.line + 1}:${at.character + 1} ${problem}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return problems;
}

describe("protocol/src stays within the Espruino dialect", () => {
  const dir = new URL("../src/", import.meta.url);
  const files = readdirSync(dir).filter((name) => name.endsWith(".ts"));

  it("has sources to check", () => {
    expect(files).toContain("decode.ts");
  });

  it.each(files)("%s uses nothing Espruino lacks", (name) => {
    expect(espruinoProblems(name, readFileSync(new URL(name, dir), "utf8"))).toEqual([]);
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
    ["f?.();", "optional chaining ?."],
    ["x = 2 ** 3;", "exponent operator **"],
    ["async function f() {}", "async/await"],
    ["const f = async () => 1;", "async/await"],
    ["function* g() {}", "generator"],
    ["outer: for (;;) break outer;", "label"],
    ["tag`x`;", "tagged template"],
    ["class A { #x = 1; }", "#private"],
    ["const n = 1n;", "BigInt literal"],
    ["const r = /ab?/;", "regex quantifier other than * and +"],
    ["const r = /a{2}/;", "regex quantifier other than * and +"],
    ["const m = new Map();", "Map"],
    ["const s = new Set();", "Set"],
    ["new RegExp(p);", "RegExp"],
    ["Array.from(xs);", "Array.from"],
    ["Number.isInteger(x);", "Number.isInteger"],
    ["Number.isFinite(x);", "Number.isFinite"],
    ["Math.trunc(x);", "Math.trunc"],
    ["Object.freeze(o);", "Object.freeze"],
    ["Date.UTC(2026, 0, 1);", "Date.UTC"],
    ["p.finally(f);", "Promise.finally"],
    ["function a() { return b(); }\nfunction b() { return 1; }", "b used before its declaration"],
  ])("flags %s", (source, problem) => {
    expect(espruinoProblems("x.ts", source).join("\n")).toContain(problem);
  });

  it("passes what Espruino runs, and ignores comments and strings", () => {
    const source = [
      "// no Map, no ...spread, no a?.b, no 2 ** 3 in comments",
      "const s = 'Array.from(x) ... ?. **';",
      "const r = /a+b*/;",
      "function f(x?: number) { return x ?? 1; }",
      "class A extends B { static n = 1; }",
      "for (const x of xs) f(x);",
    ].join("\n");
    expect(espruinoProblems("x.ts", source)).toEqual([]);
  });
});
