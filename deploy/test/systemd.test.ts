import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GATEWAY_NODE_FLAGS } from "../../cli/nodeFlags.js";
import { REPO_ROOT } from "../../testkit/paths.js";
import { parseUnit, readDeployFile, type UnitFile, value, values } from "./unitFile.js";

const UNITS = ["parking-gateway.service", "parking-backup.service", "parking-backup.timer"];
const INSTALLED_NODE = "/usr/bin/node";
const INSTALLED_CLI = "/opt/parking/dist/cli/main.js";
const BUILT_CLI = join(REPO_ROOT, "dist", "cli", "main.js");

const SYSTEMD_ANALYZE = (process.env.PATH ?? "")
  .split(delimiter)
  .concat("/usr/bin", "/bin")
  .map((dir) => join(dir, "systemd-analyze"))
  .find((file) => existsSync(file));

const gateway = parseUnit(readDeployFile("parking-gateway.service"));
const backup = parseUnit(readDeployFile("parking-backup.service"));
const timer = parseUnit(readDeployFile("parking-backup.timer"));

function service(unit: UnitFile, key: string): string | undefined {
  return value(unit, "Service", key);
}

/** Runs whether or not systemd-analyze exists: what the Pi deployment relies on, key by key. */
describe("parking-gateway.service", () => {
  it("runs the built CLI with plain node as the parking user, with its settings file", () => {
    expect(service(gateway, "User")).toBe("parking");
    expect(service(gateway, "Group")).toBe("parking");
    expect(service(gateway, "ExecStart")).toBe(
      `${INSTALLED_NODE} ${GATEWAY_NODE_FLAGS.join(" ")} ${INSTALLED_CLI} gateway`,
    );
    expect(service(gateway, "EnvironmentFile")).toBe("/etc/parking/gateway.env");
    expect(service(gateway, "WorkingDirectory")).toBe("/var/lib/parking");
    expect(service(gateway, "StateDirectory")).toBe("parking");
  });

  it("restarts on failure, within a start limit, and gives the gateway time to stop cleanly", () => {
    expect(service(gateway, "Restart")).toBe("on-failure");
    expect(Number(service(gateway, "RestartSec"))).toBeGreaterThanOrEqual(1);
    expect(Number(value(gateway, "Unit", "StartLimitIntervalSec"))).toBeGreaterThan(0);
    expect(Number(value(gateway, "Unit", "StartLimitBurst"))).toBeGreaterThan(1);
    expect(service(gateway, "KillSignal")).toBe("SIGTERM");
    expect(Number(service(gateway, "TimeoutStopSec"))).toBeGreaterThanOrEqual(10);
    expect(value(gateway, "Install", "WantedBy")).toBe("multi-user.target");
  });

  it("logs to journald under its own name", () => {
    expect(service(gateway, "StandardOutput")).toBe("journal");
    expect(service(gateway, "StandardError")).toBe("journal");
    expect(service(gateway, "SyslogIdentifier")).toBe("parking-gateway");
  });

  it("is confined to its state directory, and to serial devices among /dev", () => {
    expect(service(gateway, "NoNewPrivileges")).toBe("yes");
    expect(service(gateway, "ProtectSystem")).toBe("strict");
    expect(values(gateway, "Service", "ReadWritePaths")).toEqual(["/var/lib/parking"]);
    expect(service(gateway, "ProtectHome")).toBe("yes");
    expect(service(gateway, "PrivateTmp")).toBe("yes");
    expect(service(gateway, "PrivateDevices")).toBe("no");
    expect(service(gateway, "DevicePolicy")).toBe("closed");
    expect(values(gateway, "Service", "DeviceAllow")).toEqual(["char-ttyUSB rw", "char-ttyACM rw"]);
    expect(service(gateway, "SupplementaryGroups")).toBe("dialout");
    // V8 compiles to memory it then executes: this setting would kill node at start.
    expect(service(gateway, "MemoryDenyWriteExecute")).toBeUndefined();
  });

  it("points at what `npm run build` makes", () => {
    expect(existsSync(BUILT_CLI)).toBe(true);
  });
});

describe("parking-backup.service and .timer", () => {
  it("backs up daily as the parking user with the gateway's settings", () => {
    expect(service(backup, "Type")).toBe("oneshot");
    expect(service(backup, "User")).toBe("parking");
    expect(service(backup, "EnvironmentFile")).toBe("/etc/parking/gateway.env");
    expect(service(backup, "WorkingDirectory")).toBe("/var/lib/parking");
    expect(service(backup, "ExecStart")).toBe(`${INSTALLED_NODE} ${INSTALLED_CLI} backup`);
    expect(values(backup, "Service", "ReadWritePaths")).toEqual(["/var/lib/parking"]);
    expect(value(timer, "Timer", "OnCalendar")).toBeDefined();
    expect(value(timer, "Timer", "Persistent")).toBe("true");
    expect(value(timer, "Install", "WantedBy")).toBe("timers.target");
  });
});

describe("the CLI commands the units start", () => {
  it.each([
    ["parking-gateway.service", gateway],
    ["parking-backup.service", backup],
  ])("%s: the built CLI knows the command", (_name, unit) => {
    const words = service(unit, "ExecStart")?.split(" ") ?? [];
    const command = words.slice(words.indexOf(INSTALLED_CLI) + 1);
    const run = spawnSync(process.execPath, [BUILT_CLI, ...command, "--help"], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });
});

/**
 * systemd-analyze verify checks the syntax, every key and that ExecStart's program exists. The
 * copies run this machine's node and the CLI built in this checkout; the rest is the file as
 * shipped. It exits 0 on unknown keys and merely prints them, so any output naming one of our
 * units is a failure.
 */
describe("systemd-analyze verify", () => {
  // CI installs it (.ci/run); a machine without it fails here rather than passing unverified.
  it("is installed", () => {
    expect(SYSTEMD_ANALYZE, "systemd-analyze is missing: apt-get install systemd").toBeDefined();
  });

  const dir = mkdtempSync(join(tmpdir(), "parking-units-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function verify(files: Record<string, string>): { status: number | null; ours: string[]; output: string } {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const run = spawnSync(
      SYSTEMD_ANALYZE ?? "systemd-analyze",
      ["verify", "--man=no", ...Object.keys(files).map((name) => join(dir, name))],
      { encoding: "utf8" },
    );
    const output = `${run.stdout}${run.stderr}`;
    const ours = output
      .split("\n")
      .filter((line) => line.includes(dir) || Object.keys(files).some((name) => line.includes(name)));
    return { status: run.status, ours, output };
  }

  function local(text: string): string {
    return text.replaceAll(`${INSTALLED_NODE} `, `${process.execPath} `).replaceAll(INSTALLED_CLI, BUILT_CLI);
  }

  it("finds nothing to say about the units", () => {
    const files = Object.fromEntries(UNITS.map((name) => [name, local(readDeployFile(name))]));
    expect(files["parking-gateway.service"]).toContain(
      `ExecStart=${process.execPath} ${GATEWAY_NODE_FLAGS.join(" ")} ${BUILT_CLI} gateway`,
    );
    const { status, ours, output } = verify(files);
    expect(ours, output).toEqual([]);
    expect(status, output).toBe(0);
  });

  it("would catch a mistake (the check is not blind)", () => {
    const broken = local(readDeployFile("parking-gateway.service")).replace(
      "[Service]\n",
      "[Service]\nRestartSecs=5\n",
    );
    const { ours } = verify({ "parking-gateway.service": broken });
    expect(ours.join("\n")).toContain("RestartSecs");
  });
});
