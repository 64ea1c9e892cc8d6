import { describe, expect, it } from "vitest";
import { resolveSettings, SETTINGS, type SettingSpec } from "../../gateway/src/config/settings.js";
import { parseUnit, readDeployFile, values } from "./unitFile.js";

interface Assignment {
  commented: boolean;
  name: string;
  value: string;
}

const TEXT = readDeployFile("gateway.env.example");
/** `NAME=value` or `#NAME=value` with nothing between `#` and the name: a setting, not prose. */
const ASSIGNMENTS: Assignment[] = TEXT.split("\n").flatMap((line) => {
  const match = /^(#?)(PARKING_[A-Z0-9_]+)=(.*)$/.exec(line);
  if (match?.[2] === undefined || match[3] === undefined) return [];
  return [{ commented: match[1] === "#", name: match[2], value: match[3] }];
});

/** The default as a value of the environment variable. */
function envDefault(spec: SettingSpec): string {
  if (spec.default === null) return "";
  if (Array.isArray(spec.default)) return spec.default.join(",");
  return String(spec.default);
}

/** The example is written by hand; this keeps it in step with SETTINGS, the one list of settings. */
describe("deploy/gateway.env.example", () => {
  it("has every gateway setting, once, and nothing else", () => {
    const names = ASSIGNMENTS.map((a) => a.name);
    expect(new Set(names).size, "a setting appears twice").toBe(names.length);
    expect([...names].sort()).toEqual(SETTINGS.map((spec) => spec.env).sort());
  });

  it("shows each setting it leaves commented out at the gateway's default", () => {
    for (const assignment of ASSIGNMENTS.filter((a) => a.commented)) {
      const spec = SETTINGS.find((s) => s.env === assignment.name);
      expect(assignment.value, assignment.name).toBe(spec === undefined ? "?" : envDefault(spec));
    }
  });

  it("keeps the database in the service's state directory, the one place it may write", () => {
    const active = ASSIGNMENTS.filter((a) => !a.commented);
    expect(active).toEqual([{ commented: false, name: "PARKING_DB", value: "/var/lib/parking/parking.db" }]);
    const unit = parseUnit(readDeployFile("parking-gateway.service"));
    const writable = values(unit, "Service", "ReadWritePaths");
    expect(writable.some((dir) => "/var/lib/parking/parking.db".startsWith(`${dir}/`))).toBe(true);
  });

  it("is valid for the gateway as shipped, and with every line uncommented", () => {
    const asShipped = Object.fromEntries(
      ASSIGNMENTS.filter((a) => !a.commented).map((a) => [a.name, a.value]),
    );
    expect(resolveSettings({}, asShipped).errors).toEqual([]);
    const everything = Object.fromEntries(ASSIGNMENTS.map((a) => [a.name, a.value]));
    expect(resolveSettings({}, everything).errors).toEqual([]);
  });

  it("uses only the syntax systemd's EnvironmentFile= reads", () => {
    for (const line of TEXT.split("\n")) {
      if (line === "" || line.startsWith("#")) continue;
      expect(line).toMatch(/^PARKING_[A-Z0-9_]+=\S*$/);
    }
  });
});
