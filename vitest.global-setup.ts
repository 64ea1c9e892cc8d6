import { execFileSync } from "node:child_process";

/** Tests that run the `parking` CLI as a real process need dist/ to match the source. */
export default function setup(): void {
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
    stdio: "inherit",
  });
}
