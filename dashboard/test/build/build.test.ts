import { randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { buildDashboard, DASHBOARD_BUDGET_BYTES, DashboardBuildError } from "../../build/build.js";
import { iconPng } from "../../build/icons.js";

const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const SOURCES = {
  "index.html":
    '<!doctype html><link rel="stylesheet" href="/app.css"><script type="module" src="/app.js"></script>\n',
  "src/main.ts": 'import { greeting } from "./greeting.js";\ndocument.title = greeting("lot");\n',
  "src/greeting.ts": 'export function greeting(name: string): string {\n  return "hello " + name;\n}\n',
  "src/styles.css": "body {\n  margin: 0;\n  color: #123456;\n}\n",
  "src/sw.ts":
    "declare const BUILD_HASH: string;\ndeclare const SHELL: string[];\nconsole.log(BUILD_HASH, SHELL);\n",
  "public/manifest.webmanifest": '{"name":"Smart parking"}\n',
};

/** A dashboard source folder in a fresh temporary directory, with `files` over the defaults. */
function fixture(files: Record<string, string> = {}): { sourceDir: string; outDir: string } {
  const dir = mkdtempSync(join(tmpdir(), "dashboard-build-"));
  dirs.push(dir);
  const sourceDir = join(dir, "dashboard");
  for (const [name, text] of Object.entries({ ...SOURCES, ...files })) {
    mkdirSync(dirname(join(sourceDir, name)), { recursive: true });
    writeFileSync(join(sourceDir, name), text);
  }
  return { sourceDir, outDir: join(dir, "dist", "dashboard") };
}

async function buildError(promise: Promise<unknown>): Promise<DashboardBuildError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof DashboardBuildError))
    throw new Error(`expected a DashboardBuildError, got ${error}`);
  return error;
}

describe("buildDashboard", () => {
  it("writes a flat folder of minified files, each text file with .gz and .br beside it", async () => {
    const { sourceDir, outDir } = fixture();
    const lines: string[] = [];
    const { assets } = await buildDashboard({
      sourceDir,
      outDir,
      budgetBytes: DASHBOARD_BUDGET_BYTES,
      log: (line) => lines.push(line),
    });

    expect(assets.map((asset) => asset.name).sort()).toEqual(
      [
        "app.css",
        "app.js",
        "icon-192.png",
        "icon-512.png",
        "icon.svg",
        "index.html",
        "manifest.webmanifest",
        "sw.js",
      ].sort(),
    );
    expect(readdirSync(outDir)).toContain("app.js.map");
    const app = readFileSync(join(outDir, "app.js"), "utf8");
    expect(app).toContain("hello ");
    expect(app).not.toContain("function greeting");
    expect(app).toContain("//# sourceMappingURL=app.js.map");
    expect(readFileSync(join(outDir, "app.css"), "utf8")).toContain("body{margin:0;color:#123456}");
    expect(readFileSync(join(outDir, "index.html"), "utf8")).toBe(SOURCES["index.html"]);

    for (const asset of assets) {
      const raw = readFileSync(join(outDir, asset.name));
      expect(raw.length).toBe(asset.bytes);
      if (asset.name.endsWith(".png")) {
        expect(asset.gzipBytes).toBeUndefined();
        expect(existsSync(join(outDir, `${asset.name}.gz`))).toBe(false);
        continue;
      }
      expect(gunzipSync(readFileSync(join(outDir, `${asset.name}.gz`)))).toEqual(raw);
      expect(brotliDecompressSync(readFileSync(join(outDir, `${asset.name}.br`)))).toEqual(raw);
    }
    expect(lines).toHaveLength(assets.length + 1);
    expect(lines.at(-1)).toMatch(/^dashboard: \d+\.\d KB gzipped of its 100\.0 KB budget$/);
  });

  it("gives the service worker the build's hash and the shell's paths", async () => {
    const { sourceDir, outDir } = fixture();
    await buildDashboard({ sourceDir, outDir, budgetBytes: DASHBOARD_BUDGET_BYTES });
    const worker = readFileSync(join(outDir, "sw.js"), "utf8");
    const hash = /"([0-9a-f]{12})"/.exec(worker)?.[1];
    expect(hash).toBeDefined();
    const shell = JSON.parse(/\["\/".*?\]/.exec(worker)?.[0] ?? "[]") as string[];
    expect(shell.sort()).toEqual(
      [
        "/",
        "/app.css",
        "/app.js",
        "/icon-192.png",
        "/icon-512.png",
        "/icon.svg",
        "/manifest.webmanifest",
      ].sort(),
    );

    writeFileSync(join(sourceDir, "src", "styles.css"), "body { margin: 1px; }\n");
    await buildDashboard({ sourceDir, outDir, budgetBytes: DASHBOARD_BUDGET_BYTES });
    expect(readFileSync(join(outDir, "sw.js"), "utf8")).not.toContain(hash);
  });

  it("replaces the files of the last build but leaves folders alone", async () => {
    const { sourceDir, outDir } = fixture();
    mkdirSync(join(outDir, "build"), { recursive: true });
    writeFileSync(join(outDir, "build", "build.js"), "");
    writeFileSync(join(outDir, "old.js"), "");
    await buildDashboard({ sourceDir, outDir, budgetBytes: DASHBOARD_BUDGET_BYTES });
    expect(existsSync(join(outDir, "old.js"))).toBe(false);
    expect(existsSync(join(outDir, "build", "build.js"))).toBe(true);
  });

  it("fails in one sentence when the gzipped total is over budget", async () => {
    // Random bytes do not compress: about 160 KB of base64 is well over 100 KB gzipped.
    const { sourceDir, outDir } = fixture({ "public/noise.txt": randomBytes(120_000).toString("base64") });
    const error = await buildError(
      buildDashboard({ sourceDir, outDir, budgetBytes: DASHBOARD_BUDGET_BYTES }),
    );
    expect(error.message).toMatch(
      /^The dashboard is \d+\.\d KB gzipped, \d+\.\d KB over its budget of 100\.0 KB: make app\.js, app\.css or the files in dashboard\/public smaller\.$/,
    );
    expect(error.assets.find((asset) => asset.name === "noise.txt")?.gzipBytes).toBeGreaterThan(
      DASHBOARD_BUDGET_BYTES,
    );
  });

  it("names a missing source", async () => {
    const { sourceDir, outDir } = fixture();
    rmSync(join(sourceDir, "src", "main.ts"));
    const error = await buildError(
      buildDashboard({ sourceDir, outDir, budgetBytes: DASHBOARD_BUDGET_BYTES }),
    );
    expect(error.message).toMatch(
      /^The dashboard source .*main\.ts is missing: write it before building the dashboard\.$/,
    );
  });

  it("names the file and line that does not compile", async () => {
    const { sourceDir, outDir } = fixture({ "src/main.ts": 'import "./nowhere.js";\n' });
    const error = await buildError(
      buildDashboard({ sourceDir, outDir, budgetBytes: DASHBOARD_BUDGET_BYTES }),
    );
    expect(error.message).toMatch(
      /main\.ts does not build \(.*main\.ts:1:7: Could not resolve "\.\/nowhere\.js"\)/,
    );
    expect(existsSync(outDir)).toBe(false);
  });

  it("refuses folders in public/, since the dashboard is served flat", async () => {
    const { sourceDir, outDir } = fixture({ "public/icons/a.svg": "<svg/>" });
    const error = await buildError(
      buildDashboard({ sourceDir, outDir, budgetBytes: DASHBOARD_BUDGET_BYTES }),
    );
    expect(error.message).toMatch(/icons is not a file: the dashboard is served from one flat folder/);
  });
});

describe("iconPng", () => {
  it("draws the same valid RGBA PNG every time: transparent corners, blue edge, white letter", () => {
    const png = iconPng(64);
    expect(iconPng(64)).toEqual(png);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.toString("latin1", 12, 16)).toBe("IHDR");
    expect(png.readUInt32BE(16)).toBe(64);
    const idatLength = png.readUInt32BE(33);
    expect(png.toString("latin1", 37, 41)).toBe("IDAT");
    const raw = inflateSync(png.subarray(41, 41 + idatLength));
    expect(raw.length).toBe(64 * (1 + 64 * 4));
    const pixel = (x: number, y: number) => [...raw.subarray(y * 257 + 1 + x * 4, y * 257 + 1 + x * 4 + 4)];
    expect(pixel(0, 0)).toEqual([0x0d, 0x4f, 0x8b, 0]);
    expect(pixel(32, 2)).toEqual([0x0d, 0x4f, 0x8b, 255]);
    // The stem of the P, below its bowl.
    expect(pixel(23, 40)).toEqual([255, 255, 255, 255]);
  });
});
