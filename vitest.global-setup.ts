import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, statSync } from "node:fs";

const LOCK = "node_modules/.cache/parking-build.lock";
/** A lock older than this was left by a run that died mid-build. */
const STALE_MS = 5 * 60_000;

/**
 * Tests that run the `parking` CLI as a real process need dist/ to match the source, the
 * firmware sandbox tests run the real bundle, and the gateway serves the built dashboard: build
 * all three, as `npm run build` does. Two vitest runs at once (a developer's watch and a
 * one-off run) would otherwise write dist/ together while the other's tests read it, hence the
 * lock.
 */
export default function setup(): void {
  mkdirSync("node_modules/.cache", { recursive: true });
  acquire();
  try {
    execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
      stdio: "inherit",
    });
    execFileSync(process.execPath, ["dist/firmware/build/cli.js"], { stdio: "inherit" });
    execFileSync(process.execPath, ["dist/dashboard/build/cli.js"], { stdio: "inherit" });
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function acquire(): void {
  for (;;) {
    try {
      mkdirSync(LOCK);
      return;
    } catch {
      let age = 0;
      try {
        age = Date.now() - statSync(LOCK).mtimeMs;
      } catch {
        continue;
      }
      if (age > STALE_MS) rmSync(LOCK, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}
