import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleFirmware } from "./bundle.js";

// This file runs as dist/firmware/build/cli.js: three levels below the repository root.
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

try {
  await bundleFirmware({
    entry: join(root, "firmware", "src", "main.ts"),
    outDir: join(root, "firmware", "dist"),
    log: (line) => console.log(line),
  });
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
