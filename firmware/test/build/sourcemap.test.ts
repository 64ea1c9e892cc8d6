import { transform } from "esbuild";
import { describe, expect, it } from "vitest";
import { checkBundle } from "../../build/check.js";

describe("source locations", () => {
  it("come from a source map inlined in the bundle", async () => {
    const typescript = "const xs: number[] = [1, 2];\n\nconst [first] = xs;\nconsole.log(first);\n";
    const { code } = await transform(typescript, {
      loader: "ts",
      target: "es2015",
      sourcemap: "inline",
      sourcefile: "src/filter.ts",
    });
    const [finding] = checkBundle(code, "bundle.js");
    expect(finding?.construct).toBe("destructuring declaration");
    expect(finding?.original).toEqual({ file: "src/filter.ts", line: 3, column: 7 });
  });

  it("are absent without a source map", () => {
    const [finding] = checkBundle("const [first] = xs;", "bundle.js");
    expect(finding).toEqual(expect.objectContaining({ line: 1, column: 7 }));
    expect(finding?.original).toBeUndefined();
  });
});
