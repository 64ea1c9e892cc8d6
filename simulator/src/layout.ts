import { isReservedZone, isValidId } from "../../protocol/src/ids.js";

export interface ZoneLayout {
  zone: string;
  spots: string[];
}

/** The original system's lot: what `npm start` simulates. */
export const DEFAULT_ZONES = "Zone_A:8,Zone_B:6,Zone_C:10";

/** Spot ids as the original system named them. */
export function spotId(index: number): string {
  return `place_${index + 1}`;
}

/**
 * Parses "Zone_A:8,Zone_B:6" into zones of place_1..place_N.
 * Returns an error sentence naming the flag instead of throwing, so a CLI can print it.
 */
export function parseZones(spec: string, flag = "--zones"): ZoneLayout[] | string {
  const zones: ZoneLayout[] = [];
  const seen = new Set<string>();
  for (const part of spec.split(",")) {
    const [zone = "", countText = "", ...extra] = part.trim().split(":");
    const count = Number(countText);
    if (extra.length > 0 || !/^\d+$/.test(countText) || count < 1 || count > 100_000) {
      return `${flag} expects ZONE:COUNT pairs separated by commas with a count from 1 to 100000, like "${DEFAULT_ZONES}"; got "${part.trim()}".`;
    }
    if (!isValidId(zone) || isReservedZone(zone)) {
      return `${flag}: "${zone}" is not a valid zone id (1 to 32 letters, digits, _ or -; not summary, alerts or gateway).`;
    }
    if (seen.has(zone)) return `${flag}: zone "${zone}" is listed twice.`;
    seen.add(zone);
    zones.push({ zone, spots: Array.from({ length: count }, (_, i) => spotId(i)) });
  }
  return zones;
}

/** Zone names for `--zone-count`: Zone_A … Zone_Z, then Zone_AA, Zone_AB … like spreadsheet columns. */
export function zoneName(index: number): string {
  let name = "";
  let n = index + 1;
  while (n > 0) {
    const r = (n - 1) % 26;
    name = String.fromCharCode(65 + r) + name;
    n = Math.floor((n - 1) / 26);
  }
  return `Zone_${name}`;
}

/** `--spots N --zone-count K`: N spots shared as evenly as possible over K zones, the first zones taking the remainder. */
export function evenZones(spots: number, zoneCount: number): ZoneLayout[] {
  const zones: ZoneLayout[] = [];
  const base = Math.floor(spots / zoneCount);
  const extra = spots % zoneCount;
  for (let z = 0; z < zoneCount; z++) {
    const count = base + (z < extra ? 1 : 0);
    zones.push({ zone: zoneName(z), spots: Array.from({ length: count }, (_, i) => spotId(i)) });
  }
  return zones;
}
