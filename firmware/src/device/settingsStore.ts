import { type NodeSettings, readSettings, writeSettingsJson } from "../core/index.js";
import { storage } from "./espruino.js";

const FILE = "parking.json";

/** Settings from Storage, each problem logged once, as one sentence; never throws. */
export function loadSettings(log: (line: string) => void): NodeSettings {
  const read = readSettings(storage().readJSON(FILE, true));
  for (const e of read.errors) log(e);
  return read.settings;
}

export function saveSettings(settings: NodeSettings): void {
  storage().writeJSON(FILE, writeSettingsJson(settings));
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Settings after a config message: `received` over the current settings in parking.json's form,
 * sections (wifi, mqtt, pins) merged field by field, then validated like the file. A bad field
 * keeps its default and adds an error, as at boot.
 */
export function mergeSettings(
  current: NodeSettings,
  received: Record<string, unknown>,
): { settings: NodeSettings; errors: string[] } {
  const merged = writeSettingsJson(current);
  for (const key of Object.keys(received)) {
    const now = merged[key];
    const value = received[key];
    merged[key] = isObject(now) && isObject(value) ? Object.assign({}, now, value) : value;
  }
  return readSettings(merged);
}
