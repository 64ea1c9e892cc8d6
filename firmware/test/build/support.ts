import { expect } from "vitest";
import { checkBundle } from "../../build/check.js";

/** The fixture starts on line 2, so a line that is off by one shows; `at` marks the expected position. */
export function expectCaught(code: string, construct: string, at: string): void {
  const findings = checkBundle(`"use strict";\n${code}\n`, "bundle.js");
  const positions = findings.map((f) => ({ line: f.line, column: f.column, construct: f.construct }));
  const before = code.slice(0, code.indexOf(at)).split("\n");
  const column = (before.at(-1) ?? "").length + 1;
  expect(positions).toContainEqual({ line: before.length + 1, column, construct });
}

export function constructs(code: string): string[] {
  return checkBundle(code, "bundle.js").map((finding) => finding.construct);
}
