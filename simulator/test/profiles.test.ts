import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadProfile, PROFILE_NAMES, PROFILES, parseProfileCsv } from "../src/profiles.js";

const EXAMPLE = fileURLToPath(new URL("../profiles/example.csv", import.meta.url));

/** A CSV with a header and a row per hour; `row` may replace any hour's line. */
function csv(row: (hour: number) => string = (hour) => `${hour},0.1,60`): string {
  return [
    "hour,arrivals_per_spot_hour,median_dwell_min",
    ...Array.from({ length: 24 }, (_, h) => row(h)),
  ].join("\n");
}

describe("built-in profiles", () => {
  it.each(PROFILE_NAMES)("%s has 24 hours of sane demand", (name) => {
    const profile = PROFILES[name];
    expect(profile.name).toBe(name);
    expect(profile.arrivalsPerSpotHour).toHaveLength(24);
    expect(profile.medianDwellMin).toHaveLength(24);
    expect(profile.arrivalsPerSpotHour.every((rate) => rate >= 0 && rate < 1)).toBe(true);
    expect(profile.medianDwellMin.every((minutes) => minutes > 0)).toBe(true);
    expect(profile.dwellSigma).toBeGreaterThan(0);
  });

  it("loads by name", () => {
    expect(PROFILE_NAMES).toEqual(["office", "shopping", "residential"]);
    expect(loadProfile("shopping")).toBe(PROFILES.shopping);
  });
});

describe("parseProfileCsv", () => {
  it("reads the example file, with the dwell column optional", () => {
    const profile = loadProfile(EXAMPLE);
    if (typeof profile === "string") throw new Error(profile);
    expect(profile.name).toBe("example.csv");
    expect(profile.arrivalsPerSpotHour[7]).toBe(0.3);
    expect(profile.medianDwellMin[7]).toBe(600);
    expect(profile.medianDwellMin[11]).toBe(90);
    expect(profile.arrivalsPerSpotHour[1]).toBe(0);
    expect(profile.dwellSigma).toBe(0.8);
  });

  it("takes rows in any order without a header, CRLF, comments, blank lines and empty dwell cells", () => {
    const rows = Array.from({ length: 24 }, (_, h) => 23 - h).map((h) =>
      h === 5 ? "5, 0.5 ," : `${h},${h / 100}`,
    );
    const profile = parseProfileCsv(`# hourly demand\r\n\r\n${rows.join("\r\n")}\r\n`, "d.csv");
    if (typeof profile === "string") throw new Error(profile);
    expect(profile.arrivalsPerSpotHour[5]).toBe(0.5);
    expect(profile.arrivalsPerSpotHour[23]).toBe(0.23);
    expect(profile.medianDwellMin[5]).toBe(90);
  });

  it.each([
    [
      "a bad number",
      csv((h) => (h === 2 ? "2,x" : `${h},0.1`)),
      '--profile: demand.csv line 4: arrivals_per_spot_hour must be a number ≥ 0; got "x".',
    ],
    [
      "a negative number",
      csv((h) => (h === 0 ? "0,-1" : `${h},0.1`)),
      '--profile: demand.csv line 2: arrivals_per_spot_hour must be a number ≥ 0; got "-1".',
    ],
    [
      "a missing hour",
      csv((h) => (h === 5 ? "# closed" : `${h},0.1`)),
      "--profile: demand.csv has no row for hour 5 (needs 0 to 23).",
    ],
    [
      "a duplicate hour",
      csv((h) => (h === 6 ? "3,0.1" : `${h},0.1`)),
      "--profile: demand.csv line 8: hour 3 is listed twice (first on line 5).",
    ],
    [
      "too few columns",
      csv((h) => (h === 1 ? "1" : `${h},0.1`)),
      '--profile: demand.csv line 3: expected hour,arrivals_per_spot_hour[,median_dwell_min]; got "1".',
    ],
    [
      "too many columns",
      csv((h) => (h === 1 ? "1,0.1,60,2" : `${h},0.1`)),
      '--profile: demand.csv line 3: expected hour,arrivals_per_spot_hour[,median_dwell_min]; got "1,0.1,60,2".',
    ],
    [
      "an hour out of range",
      csv((h) => (h === 0 ? "24,0.1" : `${h},0.1`)),
      '--profile: demand.csv line 2: hour must be a whole number from 0 to 23; got "24".',
    ],
    [
      "a zero dwell",
      csv((h) => (h === 0 ? "0,0.1,0" : `${h},0.1`)),
      '--profile: demand.csv line 2: median_dwell_min must be a number of minutes > 0; got "0".',
    ],
    [
      "a wrong header",
      csv().replace("median_dwell_min", "dwell"),
      '--profile: demand.csv line 1: the header must be hour,arrivals_per_spot_hour[,median_dwell_min]; got "hour,arrivals_per_spot_hour,dwell".',
    ],
    ["an empty file", "", "--profile: demand.csv has no row for hour 0 (needs 0 to 23)."],
  ])("refuses %s with a sentence naming the flag and the line", (_, text, message) => {
    expect(parseProfileCsv(text, "demand.csv")).toBe(message);
  });

  it("names the flag it is given", () => {
    expect(parseProfileCsv("", "d.csv", "--demand")).toBe(
      "--demand: d.csv has no row for hour 0 (needs 0 to 23).",
    );
  });
});

describe("loadProfile", () => {
  const dir = mkdtempSync(join(tmpdir(), "profiles-"));

  it("reads a CSV file and reports its errors with its path", () => {
    const path = join(dir, "bad.csv");
    writeFileSync(path, "0,0.1\n");
    expect(loadProfile(path)).toBe(`--profile: ${path} has no row for hour 1 (needs 0 to 23).`);
    writeFileSync(path, csv());
    expect(typeof loadProfile(path)).toBe("object");
  });

  it("says a missing file does not exist", () => {
    const path = join(dir, "missing.csv");
    expect(loadProfile(path)).toBe(`--profile: the profile file ${path} does not exist.`);
    expect(loadProfile("nope.csv", "--demand")).toBe("--demand: the profile file nope.csv does not exist.");
  });

  it("says a folder is a folder", () => {
    expect(loadProfile(dir)).toBe(`--profile: the profile file ${dir} is a folder.`);
  });

  it("lists the built-in names for a misspelt one", () => {
    expect(loadProfile("offise")).toBe(
      '--profile: "offise" is neither office, shopping, residential nor a readable CSV file (offise does not exist).',
    );
  });
});
