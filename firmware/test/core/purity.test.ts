import { readdirSync, readFileSync } from "node:fs";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/*
 * firmware/src/core is the pure core: the simulator runs it in Node, the node on Espruino.
 * What Espruino cannot run is the bundle checker's job (firmware/build/check.ts, run on every
 * build and on core's own bundle in firmware/test/build). This guard keeps core free of I/O:
 * no clock, timers, pins, console or modules; time and readings are parameters.
 */

const IMPURE_GLOBALS = [
  "Date",
  "setTimeout",
  "setInterval",
  "setWatch",
  "digitalPulse",
  "require",
  "console",
  "E",
];

function impurities(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const problems: string[] = [];
  const report = (node: ts.Node, problem: string): void => {
    const at = file.getLineAndCharacterOfPosition(node.getStart());
    problems.push(`${fileName}:${at.line + 1}:${at.character + 1} ${problem}`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && IMPURE_GLOBALS.includes(node.text)) {
      const parent = node.parent;
      const isMemberName = ts.isPropertyAccessExpression(parent) && parent.name === node;
      const isKey = ts.isPropertyAssignment(parent) && parent.name === node;
      if (!isMemberName && !isKey) report(node, node.text);
    }
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const from = node.moduleSpecifier.text;
      if (
        !/^\.\/[a-z-]+\.js$/.test(from) &&
        !/^\.\.\/\.\.\/\.\.\/protocol\/src\/[a-z0-9-]+\.js$/.test(from)
      ) {
        report(node, `import from ${from} (core imports only core and protocol/src)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return problems;
}

describe("firmware/src/core stays pure", () => {
  const dir = new URL("../../src/core/", import.meta.url);
  const files = readdirSync(dir).filter((name) => name.endsWith(".ts"));

  it("has sources to check", () => {
    expect(files).toEqual(
      expect.arrayContaining(["filter.ts", "classifier.ts", "confidence.ts", "settings.ts"]),
    );
  });

  it.each(files)("%s does no I/O and reads no clock", (name) => {
    expect(impurities(name, readFileSync(new URL(name, dir), "utf8"))).toEqual([]);
  });
});

describe("the purity guard itself", () => {
  it.each([
    ["const t = Date.now();", "Date"],
    ["setTimeout(f, 1);", "setTimeout"],
    ["setWatch(f, D5, {});", "setWatch"],
    ['const s = require("Storage");', "require"],
    ['console.log("x");', "console"],
    ['E.on("init", f);', "E"],
    ['import { x } from "node:fs";', "import from node:fs"],
    ['import { x } from "../device/ranger.js";', "import from ../device/ranger.js"],
  ])("flags %s", (source, problem) => {
    expect(impurities("x.ts", source).join("\n")).toContain(problem);
  });

  it("ignores comments, strings and property names", () => {
    const source = [
      "// no Date.now() or console here",
      "const s = 'setTimeout(console)';",
      'import { isValidId } from "../../../protocol/src/ids.js";',
      'import { median } from "./stats.js";',
      "const o = { console: 1, Date: 2 };",
      "const ok = o.Date + o.console;",
    ].join("\n");
    expect(impurities("x.ts", source)).toEqual([]);
  });
});
