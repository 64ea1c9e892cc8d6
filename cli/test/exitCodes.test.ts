import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../testkit/paths.js";

/** `parking` as a user runs it (the global setup has built dist/). */
function parking(args: string[]): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, [join(REPO_ROOT, "dist", "cli", "main.js"), ...args], {
    encoding: "utf8",
    timeout: 20_000,
  });
  return { status: run.status, stderr: run.stderr };
}

describe("parking's exit codes", () => {
  it.each([
    [["gateway", "--no-such-flag"], "unknown option '--no-such-flag'"],
    [["no-such-command"], "unknown command 'no-such-command'"],
    [["gateway", "--http-port", "http"], "--http-port"],
    [["simulate", "--speed", "0"], "--speed"],
  ])("%j is a usage error: exit 2 and a line that names it", (args, named) => {
    const run = parking(args);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(named);
  });

  it.each([[["--help"]], [["gateway", "--help"]]])("%j exits 0", (args) => {
    expect(parking(args).status).toBe(0);
  });
});
