import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../testkit/paths.js";

/** Section → key → every value the key was given, in order (DeviceAllow= and the like repeat). */
export type UnitFile = Map<string, Map<string, string[]>>;

export const DEPLOY_DIR = join(REPO_ROOT, "deploy");

export function readDeployFile(name: string): string {
  return readFileSync(join(DEPLOY_DIR, name), "utf8");
}

/** The subset of systemd's unit syntax our files use: sections, `Key=value`, `#` and `;` comments. */
export function parseUnit(text: string): UnitFile {
  const unit: UnitFile = new Map();
  let section: Map<string, string[]> | undefined;
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header?.[1] !== undefined) {
      section = new Map();
      unit.set(header[1], section);
      continue;
    }
    const pair = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (pair?.[1] === undefined || pair[2] === undefined || section === undefined) {
      throw new Error(`line ${index + 1} is not Key=value inside a section: ${raw}`);
    }
    const values = section.get(pair[1]) ?? [];
    values.push(pair[2].trim());
    section.set(pair[1], values);
  }
  return unit;
}

export function values(unit: UnitFile, section: string, key: string): string[] {
  return unit.get(section)?.get(key) ?? [];
}

/** The value in effect: for single-valued keys systemd keeps the last one. */
export function value(unit: UnitFile, section: string, key: string): string | undefined {
  return values(unit, section, key).at(-1);
}
