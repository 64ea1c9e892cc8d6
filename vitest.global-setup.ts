import { execFileSync } from "node:child_process";

/**
 * Tests that run the `parking` CLI as a real process need dist/ to match the source, and the
 * firmware sandbox tests run the real bundle: build both, as `npm run build` does.
 */
export default function setup(): void {
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
    stdio: "inherit",
  });
  execFileSync(process.execPath, ["dist/firmware/build/cli.js"], { stdio: "inherit" });
}
