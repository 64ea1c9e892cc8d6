import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { bundleFirmware, FirmwareBuildError } from "../../build/bundle.js";
import { writeFixture } from "./fixture.js";

const HELPER = "export function twice(x: number): number {\n  return x * 2;\n}\n";

const MAIN = [
  'import { twice } from "./helper.js";',
  "declare function require(name: string): any;",
  'const net = require("net");',
  'net.connect({ host: "broker", port: 1883 }, () => console.log("twice:", twice(21)));',
  "",
].join("\n");

async function buildError(promise: Promise<unknown>): Promise<FirmwareBuildError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof FirmwareBuildError)) throw new Error(`expected a FirmwareBuildError, got ${error}`);
  return error;
}

describe("bundleFirmware", () => {
  it("writes a readable and a minified bundle that keep require('net') and run", async () => {
    const dir = writeFixture({ "helper.ts": HELPER, "main.ts": MAIN });
    const lines: string[] = [];
    const outDir = join(dir, "dist");
    const { files } = await bundleFirmware({
      entry: join(dir, "main.ts"),
      outDir,
      log: (line) => lines.push(line),
    });

    expect(files.map((file) => file.path)).toEqual([
      join(outDir, "parking-node.js"),
      join(outDir, "parking-node.min.js"),
    ]);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/parking-node\.js: \d+ bytes \(\d+\.\d KB\)$/);
    expect(lines[1]).toMatch(/parking-node\.min\.js: \d+ bytes \(\d+\.\d KB\)$/);
    const [readable, minified] = files;
    expect(minified?.bytes).toBeLessThan(readable?.bytes ?? 0);

    for (const file of files) {
      const code = readFileSync(file.path, "utf8");
      expect(Buffer.byteLength(code)).toBe(file.bytes);
      expect(existsSync(`${file.path}.map`)).toBe(true);
      expect(code).toContain('require("net")');
      expect(code).not.toContain("__require");
      expect(code).not.toContain("sourceMappingURL");
      const printed: string[] = [];
      const net = { connect: (_options: unknown, callback: () => void) => callback() };
      runInNewContext(code, {
        require: (name: string) => (name === "net" ? net : undefined),
        console: { log: (...parts: unknown[]) => printed.push(parts.join(" ")) },
      });
      expect(printed).toEqual(["twice: 42"]);
    }
  });

  it("refuses a construct and names the TypeScript file and line it came from", async () => {
    const dir = writeFixture({
      "filter.ts": [
        "export function spread(pair: number[]): number {",
        "  // line 3 below destructures, which esbuild leaves alone at es2015",
        "  const [low, high] = pair;",
        "  return (high ?? 0) - (low ?? 0);",
        "}",
        "",
      ].join("\n"),
      "main.ts": 'import { spread } from "./filter.js";\nconsole.log(spread([1, 2]));\n',
    });
    const error = await buildError(
      bundleFirmware({
        entry: join(dir, "main.ts"),
        outDir: join(dir, "dist"),
      }),
    );

    expect(error.findings.map((finding) => finding.file)).toEqual([
      expect.stringMatching(/parking-node\.js$/),
      expect.stringMatching(/parking-node\.min\.js$/),
    ]);
    for (const finding of error.findings) {
      expect(finding.construct).toBe("destructuring declaration");
      expect(finding.original?.file).toMatch(/filter\.ts$/);
      expect(finding.original?.line).toBe(3);
    }
    expect(error.findings[0]?.original?.column).toBe(9);
    const lines = error.message.split("\n").slice(1);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/filter\.ts:3:9 \(.*parking-node\.js:\d+:\d+\) destructuring declaration: /);
  });

  it("says so when the entry does not exist", async () => {
    const dir = writeFixture({});
    const error = await buildError(
      bundleFirmware({
        entry: join(dir, "main.ts"),
        outDir: join(dir, "dist"),
      }),
    );
    expect(error.message).toMatch(
      /^The firmware entry .*main\.ts does not exist: write it before building the firmware\.$/,
    );
  });

  it.each([
    ["protocol", "../../../protocol/src/index.ts", "function decode("],
    ["the measurement core", "../../src/core/index.ts", "function classify("],
    ["the MQTT client", "../../src/mqtt/index.ts", "MqttClient"],
  ])("passes every export of %s, Espruino-bound code of its own", async (_what, path, marker) => {
    const entry = new URL(path, import.meta.url).pathname;
    // A namespace import keeps every export in the bundle, so all of the package is checked.
    const dir = writeFixture({
      "main.ts": `import * as all from ${JSON.stringify(entry)};\nconsole.log(Object.keys(all).length);\n`,
    });
    const { files } = await bundleFirmware({
      entry: join(dir, "main.ts"),
      outDir: join(dir, "dist"),
    });
    expect(readFileSync(files[0]?.path ?? "", "utf8")).toContain(marker);
  });
});
