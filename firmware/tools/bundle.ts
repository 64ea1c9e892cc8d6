import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ToolError } from "./errors.js";

/** The package root, found upward from this file so it is the same from source and from dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("no package.json above the firmware tools");
    dir = parent;
  }
  return dir;
}

export function defaultBundlePath(): string {
  return join(packageRoot(), "firmware", "dist", "parking-node.min.js");
}

export async function readBundle(path: string): Promise<Buffer> {
  const full = resolve(path);
  if (!existsSync(full)) {
    const shown = full === defaultBundlePath() ? relative(process.cwd(), full) || full : path;
    throw new ToolError(
      `The firmware bundle ${shown} does not exist: run \`npm run firmware:build\` first, or pass --bundle <file>.`,
    );
  }
  const bytes = await readFile(full);
  if (bytes.length === 0)
    throw new ToolError(`The firmware bundle ${path} is empty: run \`npm run firmware:build\` again.`);
  return bytes;
}
