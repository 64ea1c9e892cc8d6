import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import { build } from "esbuild";
import { checkBundle, type Finding, formatFinding, type SourceMapV3 } from "./check.js";
import { withSourcesRelativeTo } from "./sourcemap.js";

/** Built into Espruino: `require("net")` must reach the device as it was written. */
const ESPRUINO_MODULES = ["net", "Wifi", "Storage", "ESP32"];

export interface BundleOptions {
  entry: string;
  outDir: string;
  /** receives one line per output file with its size */
  log?: (line: string) => void;
}

export interface BundleFile {
  path: string;
  bytes: number;
}

export class FirmwareBuildError extends Error {
  constructor(
    message: string,
    readonly findings: Finding[],
    readonly files: BundleFile[],
  ) {
    super(message);
    this.name = "FirmwareBuildError";
  }
}

interface Output {
  path: string;
  code: string;
  map: SourceMapV3;
}

/*
 * Format "iife" would turn require("net") into esbuild's __require shim, which probes for
 * Proxy and costs half a kilobyte; only format "cjs" leaves an external require as a plain
 * call. The banner and footer give the IIFE back, so top-level names stay off Espruino's root
 * scope. The entry is imported from stdin so that its exports, which would need a CommonJS
 * `module` that Espruino's top level does not have, are dropped: the entry runs for its effects.
 */
async function bundleOnce(entry: string, outFile: string, minify: boolean): Promise<Output> {
  const result = await build({
    stdin: {
      contents: `import ${JSON.stringify(`./${basename(entry)}`)};`,
      resolveDir: dirname(entry),
      loader: "ts",
    },
    bundle: true,
    format: "cjs",
    banner: { js: "(()=>{" },
    footer: { js: "})();" },
    target: "es2015",
    // Class fields as plain assignments in the constructor: esbuild's define helpers cost the
    // node three functions and a defineProperty call per field for nothing it needs.
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
    platform: "neutral",
    external: ESPRUINO_MODULES,
    legalComments: "none",
    sourcemap: "external",
    minifyWhitespace: minify,
    minifySyntax: minify,
    minifyIdentifiers: minify,
    outfile: outFile,
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles.find((file) => file.path.endsWith(".js"))?.text;
  const map = result.outputFiles.find((file) => file.path.endsWith(".js.map"))?.text;
  if (code === undefined || map === undefined) throw new Error(`esbuild wrote no ${basename(outFile)}`);
  return { path: outFile, code, map: JSON.parse(map) as SourceMapV3 };
}

function kilobytes(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

/**
 * Bundles the firmware twice (readable and minified), writes both with their source maps, and
 * throws a FirmwareBuildError when either uses what Espruino lacks. Both are checked because the
 * minifier rewrites code. The bundle's size is no measure of the node's memory (its code stays in
 * flash): the JsVar budget is measured on the interpreter (firmware/test/espruino/memory.test.ts).
 */
export async function bundleFirmware(options: BundleOptions): Promise<{ files: BundleFile[] }> {
  const entry = resolve(options.entry);
  if (!existsSync(entry)) {
    throw new FirmwareBuildError(
      `The firmware entry ${relative(process.cwd(), entry)} does not exist: write it before building the firmware.`,
      [],
      [],
    );
  }
  const outDir = resolve(options.outDir);
  const outputs = [
    await bundleOnce(entry, join(outDir, "parking-node.js"), false),
    await bundleOnce(entry, join(outDir, "parking-node.min.js"), true),
  ];
  await mkdir(outDir, { recursive: true });
  const files: BundleFile[] = [];
  const findings: Finding[] = [];
  for (const output of outputs) {
    await writeFile(output.path, output.code);
    await writeFile(`${output.path}.map`, JSON.stringify(output.map));
    const file = { path: output.path, bytes: Buffer.byteLength(output.code) };
    files.push(file);
    options.log?.(`${relative(process.cwd(), file.path)}: ${file.bytes} bytes (${kilobytes(file.bytes)})`);
    const sourceMap = withSourcesRelativeTo(output.map, outDir, process.cwd());
    findings.push(...checkBundle(output.code, relative(process.cwd(), output.path), { sourceMap }));
  }

  if (findings.length > 0) {
    const lines = findings.map(formatFinding).join("\n");
    throw new FirmwareBuildError(`The bundle uses what Espruino lacks:\n${lines}`, findings, files);
  }
  return { files };
}
