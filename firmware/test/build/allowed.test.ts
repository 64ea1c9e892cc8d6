import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bundleFirmware } from "../../build/bundle.js";
import { writeFixture } from "./fixture.js";
import { constructs } from "./support.js";

/** What docs/espruino.md lists under "Language: works", written the way firmware code would use it. */
const WORKS = `
const double = (x: number): number => x * 2;
let label = \`n=\${double(2)}\`;
const limit = 3;
class Base {
  static count = 0;
  size = 1;
  get twice(): number { return this.size * 2; }
  set twice(value: number) { this.size = value / 2; }
  static make(): Base { return new Base(); }
}
class Child extends Base {
  constructor(readonly extra: number) { super(); }
  override get twice(): number { return super.twice + this.extra; }
}
let total = 0;
for (const x of [1, 2, limit]) total += x;
for (const ch of "ab") label += ch;
const fallback: number | undefined = undefined;
const chosen = fallback ?? 5;
try { JSON.parse("{"); } catch { label += "!"; }
const ready = Promise.all([Promise.resolve(1)]).then((xs) => xs.length).catch(() => 0);
const bytes = new Uint8Array(4);
const view = new DataView(bytes.buffer);
view.setUint16(0, 513);
const settings = Object.assign({}, { zone: "A" }, { spot: "1" });
const text = JSON.stringify({ values: Object.values(settings), entries: Object.entries(settings) }, null, 2);
const padded = "7".padStart(3, "0");
const shorthand = { label, total, method() { return padded.includes("7"); } };
console.log(text, chosen, shorthand.method(), new Child(1).twice, Base.make(), ready);
`;

describe("what Espruino runs passes", () => {
  it("as a bundle built from TypeScript, readable and minified", async () => {
    const dir = writeFixture({ "main.ts": WORKS });
    const { files } = await bundleFirmware({
      entry: join(dir, "main.ts"),
      outDir: join(dir, "dist"),
    });
    expect(files).toHaveLength(2);
  });

  it("as plain JavaScript, which esbuild would otherwise have rewritten", () => {
    const code = [
      "let a = x ?? 1;",
      "try { f(); } catch { g(); }",
      "class A { static n = 1; m = 2; }",
      "const o = { a, m() {} };",
      "const s = `a`;",
    ].join("\n");
    expect(constructs(code)).toEqual([]);
  });
});
