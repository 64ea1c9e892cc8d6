/**
 * Demand profiles: how many cars arrive at a lot in each local hour of the day and how long they
 * stay. Three are built in; `--profile` also takes a CSV file of hourly demand:
 *
 *   # comment lines and blank lines are ignored
 *   hour,arrivals_per_spot_hour,median_dwell_min    <- optional header
 *   0,0.002,480
 *   1,0.002                                         <- dwell column optional: 90 min
 *   ...
 *   23,0.004,480
 *
 * Every hour 0 to 23 appears exactly once; arrivals are ≥ 0 per spot per hour, the median dwell
 * of a car arriving in that hour is > 0 minutes. Dwell times of a CSV profile are log-normal
 * with σ = 0.8, the spread of general-purpose car parks. simulator/profiles/example.csv is one.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";

export interface DemandProfile {
  name: string;
  /** Arrivals per spot per hour, for each local hour 0..23. */
  arrivalsPerSpotHour: number[];
  /** Median dwell, minutes, of a car arriving in that local hour. */
  medianDwellMin: number[];
  /** Log-normal shape σ of dwell times. */
  dwellSigma: number;
}

export type ProfileName = "office" | "shopping" | "residential";

/** Median minutes a car stays when its CSV row has no dwell column: an errand or a visit. */
const DEFAULT_DWELL_MIN = 90;
const CSV_DWELL_SIGMA = 0.8;
const HEADER = ["hour", "arrivals_per_spot_hour", "median_dwell_min"];

export const PROFILES: Record<ProfileName, DemandProfile> = {
  /**
   * A weekday at an office car park. Commuters arrive 7–9 and stay a working day (8–9 h, a tight
   * spread: office hours), so the lot is 85–95 % full 10:00–15:00 and empties 15–19. A lunch
   * wave of short visits (couriers, client meetings) arrives 12–13 into a nearly full lot. A few
   * cars stay overnight (security, shift staff, cars left after an evening out): 2–3 % at night.
   */
  office: {
    name: "office",
    // biome-ignore format: hours 0–11, then 12–23
    arrivalsPerSpotHour: [
      0.002, 0.001, 0.001, 0.001, 0.002, 0.008, 0.05, 0.27, 0.36, 0.15, 0.04, 0.03,
      0.07, 0.06, 0.03, 0.02, 0.012, 0.01, 0.01, 0.008, 0.006, 0.005, 0.004, 0.003,
    ],
    // biome-ignore format: hours 0–11, then 12–23
    medianDwellMin: [
      420, 420, 420, 420, 480, 560, 580, 570, 540, 510, 360, 200,
      50, 50, 90, 90, 90, 120, 150, 180, 480, 480, 480, 480,
    ],
    dwellSigma: 0.2,
  },
  /**
   * A shopping centre open about 9–21. Staff arrive 7–9 for a shift; shoppers arrive through the
   * day, most in the early afternoon, and stay 1–2 h (a wide spread: a quick errand or an
   * afternoon out), so the lot is busiest mid-afternoon and empty at night.
   */
  shopping: {
    name: "shopping",
    // biome-ignore format: hours 0–11, then 12–23
    arrivalsPerSpotHour: [
      0, 0, 0, 0, 0, 0, 0, 0.02, 0.06, 0.14, 0.27, 0.36,
      0.4, 0.42, 0.45, 0.45, 0.4, 0.36, 0.3, 0.22, 0.11, 0.02, 0, 0,
    ],
    // biome-ignore format: hours 0–11, then 12–23
    medianDwellMin: [
      60, 60, 60, 60, 60, 60, 60, 540, 540, 75, 90, 90,
      90, 100, 100, 90, 90, 80, 75, 70, 55, 40, 60, 60,
    ],
    dwellSigma: 0.55,
  },
  /**
   * A residential car park, open 24/7. Residents come home 16–21 and stay the night until they
   * leave for work (12–15 h, a tight spread: the morning commute), so it is 80–90 % full at
   * night. By day visitors, carers and residents back from errands stay a few hours, so mid-day
   * it is about a third full.
   */
  residential: {
    name: "residential",
    // biome-ignore format: hours 0–11, then 12–23
    arrivalsPerSpotHour: [
      0.008, 0.004, 0.003, 0.003, 0.004, 0.008, 0.015, 0.03, 0.04, 0.05, 0.05, 0.05,
      0.055, 0.055, 0.06, 0.07, 0.1, 0.17, 0.21, 0.17, 0.1, 0.06, 0.035, 0.015,
    ],
    // biome-ignore format: hours 0–11, then 12–23
    medianDwellMin: [
      420, 420, 420, 420, 420, 480, 480, 480, 300, 360, 360, 360,
      360, 360, 360, 480, 900, 870, 840, 800, 760, 720, 660, 600,
    ],
    dwellSigma: 0.22,
  },
};

export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];

function isProfileName(value: string): value is ProfileName {
  return Object.hasOwn(PROFILES, value);
}

/**
 * A CSV of hourly demand (format at the top of this file). Returns an error sentence naming
 * `flag`, the source and the line instead of throwing, so a CLI can print it.
 */
export function parseProfileCsv(text: string, source: string, flag = "--profile"): DemandProfile | string {
  const arrivals = new Array<number | undefined>(24).fill(undefined);
  const dwell = new Array<number>(24).fill(DEFAULT_DWELL_MIN);
  const lineOfHour = new Array<number>(24).fill(0);
  let sawRow = false;
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const at = `${flag}: ${source} line ${index + 1}`;
    const cells = line.split(",").map((cell) => cell.trim());
    if (!sawRow && cells[0]?.toLowerCase() === "hour") {
      sawRow = true;
      const expected = HEADER.slice(0, Math.max(2, cells.length));
      if (cells.length > 3 || cells.some((cell, i) => cell.toLowerCase() !== expected[i])) {
        return `${at}: the header must be ${HEADER.slice(0, 2).join(",")}[,${HEADER[2]}]; got "${line}".`;
      }
      continue;
    }
    sawRow = true;
    const [hourText = "", arrivalsText = "", dwellText = ""] = cells;
    if (cells.length < 2 || cells.length > 3) {
      return `${at}: expected hour,arrivals_per_spot_hour[,median_dwell_min]; got "${line}".`;
    }
    const hour = Number(hourText);
    if (!/^\d{1,2}$/.test(hourText) || hour > 23) {
      return `${at}: hour must be a whole number from 0 to 23; got "${hourText}".`;
    }
    if (arrivals[hour] !== undefined) {
      return `${at}: hour ${hour} is listed twice (first on line ${lineOfHour[hour]}).`;
    }
    const rate = Number(arrivalsText);
    if (arrivalsText === "" || !Number.isFinite(rate) || rate < 0) {
      return `${at}: arrivals_per_spot_hour must be a number ≥ 0; got "${arrivalsText}".`;
    }
    // An empty dwell cell is what a spreadsheet writes for a row that leaves it out.
    if (dwellText !== "") {
      const minutes = Number(dwellText);
      if (!Number.isFinite(minutes) || minutes <= 0) {
        return `${at}: median_dwell_min must be a number of minutes > 0; got "${dwellText}".`;
      }
      dwell[hour] = minutes;
    }
    arrivals[hour] = rate;
    lineOfHour[hour] = index + 1;
  }
  const missing = arrivals.indexOf(undefined);
  if (missing >= 0) return `${flag}: ${source} has no row for hour ${missing} (needs 0 to 23).`;
  return {
    name: basename(source),
    arrivalsPerSpotHour: arrivals.map((rate) => rate ?? 0),
    medianDwellMin: dwell,
    dwellSigma: CSV_DWELL_SIGMA,
  };
}

function unreadableReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "does not exist";
  if (code === "EISDIR") return "is a folder";
  if (code === "EACCES" || code === "EPERM") return "cannot be read (permission denied)";
  return `cannot be read (${(error as Error).message})`;
}

/**
 * A built-in profile name or a path to a CSV. Returns an error sentence naming `flag` instead of
 * throwing: a value that looks like a path gets why the file could not be read, anything else
 * gets the built-in names too, since it was probably a misspelt one.
 */
export function loadProfile(value: string, flag = "--profile"): DemandProfile | string {
  if (isProfileName(value)) return PROFILES[value];
  let text: string;
  try {
    text = readFileSync(value, "utf8");
  } catch (error) {
    const reason = unreadableReason(error);
    if (/[/\\]|\.csv$/i.test(value)) return `${flag}: the profile file ${value} ${reason}.`;
    return `${flag}: "${value}" is neither ${PROFILE_NAMES.join(", ")} nor a readable CSV file (${value} ${reason}).`;
  }
  return parseProfileCsv(text, value, flag);
}
