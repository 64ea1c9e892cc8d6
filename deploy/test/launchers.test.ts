import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GATEWAY_NODE_FLAGS } from "../../cli/nodeFlags.js";
import { REPO_ROOT } from "../../testkit/paths.js";
import { parseUnit, readDeployFile, value } from "./unitFile.js";

const flags = GATEWAY_NODE_FLAGS.join(" ");

/** Every way the gateway is started gives Node the same V8 flags (cli/nodeFlags.ts says why). */
describe("the gateway's launchers", () => {
  it("npm start", () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.start).toContain(`node ${flags} dist/cli/main.js gateway`);
  });

  it("the systemd unit", () => {
    const unit = parseUnit(readDeployFile("parking-gateway.service"));
    expect(value(unit, "Service", "ExecStart")).toMatch(
      new RegExp(`^\\S+/node ${flags} \\S+/dist/cli/main\\.js gateway$`),
    );
  });

  it("bin/parking.js, which npm links as `parking`", () => {
    const firstLine = readFileSync(join(REPO_ROOT, "bin", "parking.js"), "utf8").split("\n")[0];
    expect(firstLine).toBe(`#!/usr/bin/env -S node ${flags}`);
    // env -S splits the line as a shell would: the real script starts, with the flags Node accepts.
    const run = spawnSync(join(REPO_ROOT, "bin", "parking.js"), ["--help"], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("gateway");
  });

  it("the flags are ones this Node accepts", () => {
    const run = spawnSync(process.execPath, [...GATEWAY_NODE_FLAGS, "-e", "0"], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });
});
