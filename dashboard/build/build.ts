import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, extname, join, relative, resolve } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { type BuildFailure, build } from "esbuild";
import { iconPng, iconSvg } from "./icons.js";

/**
 * Budget for everything a browser downloads, gzipped: the dashboard is opened on phones over a
 * parking lot's Wi-Fi from a Raspberry Pi, and uPlot alone is about 20 KB of it.
 */
export const DASHBOARD_BUDGET_BYTES = 100 * 1024;

/** Served compressed; everything else (PNG) is compressed already. */
const TEXT = new Set([".html", ".js", ".css", ".webmanifest", ".svg", ".json", ".txt"]);

export interface DashboardBuildOptions {
  /** the folder holding index.html, src/ (main.ts, styles.css, sw.ts) and public/ */
  sourceDir: string;
  /** receives the built files; only its files are replaced, never its folders */
  outDir: string;
  budgetBytes: number;
  /** receives one line per served file with its sizes, then the total */
  log?: (line: string) => void;
}

export interface DashboardAsset {
  name: string;
  bytes: number;
  /** sizes of the .gz and .br files written beside it, for text assets */
  gzipBytes?: number;
  brotliBytes?: number;
}

export class DashboardBuildError extends Error {
  constructor(
    message: string,
    readonly assets: DashboardAsset[] = [],
  ) {
    super(message);
    this.name = "DashboardBuildError";
  }
}

/**
 * Bundles the dashboard into a flat folder of files that the gateway serves as they are:
 * index.html, app.js, app.css, the service worker sw.js, the manifest and icons, with .gz and
 * .br beside each text file. Throws a DashboardBuildError, whose message is one sentence, when a
 * source is missing, does not compile, or the gzipped total is over budget.
 */
export async function buildDashboard(options: DashboardBuildOptions): Promise<{ assets: DashboardAsset[] }> {
  const sourceDir = resolve(options.sourceDir);
  const source = (path: string) => {
    const full = join(sourceDir, path);
    if (!existsSync(full)) {
      throw new DashboardBuildError(
        `The dashboard source ${shown(full)} is missing: write it before building the dashboard.`,
      );
    }
    return full;
  };
  const html = source("index.html");
  const main = source(join("src", "main.ts"));
  const styles = source(join("src", "styles.css"));
  const worker = source(join("src", "sw.ts"));

  const files = new Map<string, Buffer>();
  const add = (name: string, bytes: Buffer) => {
    if (files.has(name)) throw new DashboardBuildError(`Two dashboard files are named ${name}: rename one.`);
    files.set(name, bytes);
  };
  const outDir = resolve(options.outDir);
  add("index.html", await readFile(html));
  for (const [name, bytes] of await bundle(main, join(outDir, "app.js"), { format: "esm" })) add(name, bytes);
  for (const [name, bytes] of await bundle(styles, join(outDir, "app.css"), {})) add(name, bytes);
  add("icon.svg", Buffer.from(iconSvg()));
  add("icon-192.png", iconPng(192));
  add("icon-512.png", iconPng(512));
  for (const [name, bytes] of await publicFiles(join(sourceDir, "public"))) add(name, bytes);

  // The worker's cache is named after everything else it caches, so each build starts a new one.
  const hash = createHash("sha256");
  for (const [name, bytes] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    hash.update(`${name}\0${bytes.length}\0`).update(bytes);
  }
  const shell = ["/", ...[...files.keys()].filter((name) => name !== "index.html" && !name.endsWith(".map"))];
  const define = {
    BUILD_HASH: JSON.stringify(hash.digest("hex").slice(0, 12)),
    SHELL: JSON.stringify(shell.map((name) => (name === "/" ? name : `/${name}`))),
  };
  for (const [name, bytes] of await bundle(worker, join(outDir, "sw.js"), { format: "iife", define })) {
    add(name, bytes);
  }

  await mkdir(outDir, { recursive: true });
  // Only files: dist/dashboard/build holds this very script once compiled.
  for (const entry of await readdir(outDir, { withFileTypes: true })) {
    if (entry.isFile()) await rm(join(outDir, entry.name));
  }
  const assets: DashboardAsset[] = [];
  for (const [name, bytes] of files) {
    await writeFile(join(outDir, name), bytes);
    if (name.endsWith(".map")) continue;
    const asset: DashboardAsset = { name, bytes: bytes.length };
    if (TEXT.has(extname(name))) {
      const gzip = gzipSync(bytes, { level: 9 });
      const brotli = brotliCompressSync(bytes, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
          [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
        },
      });
      await writeFile(join(outDir, `${name}.gz`), gzip);
      await writeFile(join(outDir, `${name}.br`), brotli);
      asset.gzipBytes = gzip.length;
      asset.brotliBytes = brotli.length;
    }
    assets.push(asset);
  }

  const labels = assets.map((asset) => shown(join(outDir, asset.name)));
  const width = Math.max(...labels.map((label) => label.length));
  assets.forEach((asset, i) => {
    const compressed =
      asset.gzipBytes === undefined
        ? "(served as is)"
        : `gzip ${kilobytes(asset.gzipBytes).padStart(8)}  br ${kilobytes(asset.brotliBytes ?? 0).padStart(8)}`;
    options.log?.(`${(labels[i] ?? "").padEnd(width)} ${kilobytes(asset.bytes).padStart(9)}  ${compressed}`);
  });
  const total = assets.reduce((sum, asset) => sum + (asset.gzipBytes ?? asset.bytes), 0);
  options.log?.(`dashboard: ${kilobytes(total)} gzipped of its ${kilobytes(options.budgetBytes)} budget`);
  if (total > options.budgetBytes) {
    throw new DashboardBuildError(
      `The dashboard is ${kilobytes(total)} gzipped, ${kilobytes(total - options.budgetBytes)} over its budget of ` +
        `${kilobytes(options.budgetBytes)}: make app.js, app.css or the files in dashboard/public smaller.`,
      assets,
    );
  }
  return { assets };
}

/** Bundles one entry into `outFile` and its source map, in memory: nothing is written before all succeed. */
async function bundle(
  entry: string,
  outFile: string,
  extra: { format?: "esm" | "iife"; define?: Record<string, string> },
): Promise<Map<string, Buffer>> {
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      target: "es2020",
      platform: "browser",
      ...extra,
      sourcemap: "linked",
      legalComments: "none",
      outfile: outFile,
      write: false,
      logLevel: "silent",
    });
    const out = new Map<string, Buffer>();
    for (const file of result.outputFiles) out.set(basename(file.path), Buffer.from(file.contents));
    return out;
  } catch (error) {
    const failure = error as Partial<BuildFailure>;
    const first = failure.errors?.[0];
    if (first === undefined) throw error;
    const where = first.location
      ? `${first.location.file}:${first.location.line}:${first.location.column}: `
      : "";
    throw new DashboardBuildError(
      `The dashboard's ${shown(entry)} does not build (${where}${first.text}): fix it and build again.`,
    );
  }
}

async function publicFiles(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  if (!existsSync(dir)) return out;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile()) {
      throw new DashboardBuildError(
        `${shown(join(dir, entry.name))} is not a file: the dashboard is served from one flat folder, so put its files directly in ${shown(dir)}.`,
      );
    }
    out.set(entry.name, await readFile(join(dir, entry.name)));
  }
  return out;
}

function kilobytes(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

function shown(path: string): string {
  return relative(process.cwd(), path) || path;
}
