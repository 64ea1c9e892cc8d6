import ts from "typescript";
import { hoistingProblems } from "./hoisting.js";
import { globalProblems, type Problem, syntaxProblems } from "./rules.js";
import { Scopes } from "./scopes.js";
import { createLocator, inlineSourceMap, type SourceLocation, type SourceMapV3 } from "./sourcemap.js";

export type { SourceLocation, SourceMapV3 } from "./sourcemap.js";

/** Something in the bundle that Espruino cannot run, at a 1-based position in the bundle. */
export interface Finding {
  file: string;
  line: number;
  column: number;
  construct: string;
  message: string;
  /** where the construct came from, when the bundle has a source map */
  original?: SourceLocation;
}

export interface CheckOptions {
  /** sources relative to the working directory; without it, an inline map is used if present */
  sourceMap?: SourceMapV3;
}

/**
 * Parses bundled JavaScript and lists every construct and global that docs/espruino.md says
 * fails on Espruino. It reads the output rather than the TypeScript because esbuild leaves
 * default parameters, spread and destructuring alone at target es2015, and adds helpers of its own.
 */
export function checkBundle(source: string, fileName: string, options: CheckOptions = {}): Finding[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const scopes = new Scopes(file);
  const problems: Problem[] = [];
  const visit = (node: ts.Node): void => {
    problems.push(...syntaxProblems(node, file), ...globalProblems(node, file, scopes));
    ts.forEachChild(node, visit);
  };
  visit(file);
  for (const { node, message } of hoistingProblems(file, scopes)) {
    problems.push({ at: node.getStart(file), construct: "no hoisting", message });
  }

  const map = options.sourceMap ?? inlineSourceMap(source, fileName, process.cwd());
  const locate = map === undefined ? undefined : createLocator(map);
  return problems
    .sort((a, b) => a.at - b.at)
    .map(({ at, construct, message }) => {
      const position = file.getLineAndCharacterOfPosition(at);
      const line = position.line + 1;
      const column = position.character + 1;
      const original = locate?.(line, column);
      return { file: fileName, line, column, construct, message, ...(original ? { original } : {}) };
    });
}

/** One line: the TypeScript position when known, then the bundle position. */
export function formatFinding(finding: Finding): string {
  const bundle = `${finding.file}:${finding.line}:${finding.column}`;
  const where = finding.original
    ? `${finding.original.file}:${finding.original.line}:${finding.original.column} (${bundle})`
    : bundle;
  return `${where} ${finding.construct}: ${finding.message}`;
}
