import { writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * About 12 KB of JavaScript with everything that must survive the trip through REPL string
 * literals: quotes, backslashes, newlines and tabs, non-ASCII text, and control characters.
 */
export function fixtureBundle(): Buffer {
  const parts: string[] = ['"use strict";\n'];
  for (let i = 0; parts.join("").length < 12_000; i++) {
    parts.push(
      `function f${i}(s){return s.replace(/\\\\n/g, "\\n")+'it\\'s "quoted"'+\`tick \${s}\`;}\n`,
      `var label${i} = "Café ✓ 駐車場 ${i}";\t// ünïcødé comment \\ backslash\r\n`,
      `var ctl${i} = "\x03\x10\x1b[0m";\n`,
    );
  }
  return Buffer.from(parts.join(""), "utf8");
}

export function writeFixtureBundle(dir: string): string {
  const path = join(dir, "parking-node.min.js");
  writeFileSync(path, fixtureBundle());
  return path;
}
