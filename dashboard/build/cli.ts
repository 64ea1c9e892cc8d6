import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDashboard, DASHBOARD_BUDGET_BYTES } from "./build.js";

// This file runs as dist/dashboard/build/cli.js: three levels below the repository root.
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

try {
  await buildDashboard({
    sourceDir: join(root, "dashboard"),
    outDir: join(root, "dist", "dashboard"),
    budgetBytes: DASHBOARD_BUDGET_BYTES,
    log: (line) => console.log(line),
  });
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
