import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { packageRoot } from "../../tools/bundle.js";
import { writeFixtureBundle } from "./fixtureBundle.js";
import { removeDir } from "./pty.js";

/** Runs the built `parking` CLI; the vitest global setup compiled dist/ from the source. */
function parking(...args: string[]) {
  return spawnSync(process.execPath, [join(packageRoot(), "dist/cli/main.js"), ...args], {
    encoding: "utf8",
  });
}

describe("parking flash (built CLI)", () => {
  const dir = mkdtempSync(join(tmpdir(), "parking-cli-"));
  const bundle = writeFixtureBundle(dir);
  afterAll(() => removeDir(dir));

  it("ends with exit code 1 and one sentence when the port is missing", () => {
    const missing = join(dir, "ttyUSB9");
    const run = parking(
      "flash",
      "--port",
      missing,
      "--zone",
      "Zone_A",
      "--spot",
      "place_1",
      "--bundle",
      bundle,
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `Serial port ${missing} does not exist: plug the node in, or see \`parking flash --list\`.\n`,
    );
  });

  it("names the flag of a bad option", () => {
    const run = parking(
      "flash",
      "--port",
      "/dev/null",
      "--zone",
      "Zone A",
      "--spot",
      "place_1",
      "--bundle",
      bundle,
    );
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/^--zone "Zone A" is not a valid id/);
  });

  it("lists serial ports", () => {
    const run = parking("flash", "--list");
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).not.toBe("");
  });
});
