import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_SETTINGS,
  hasIdentity,
  type NodeSettings,
  readSettings,
  writeSettingsJson,
} from "../../src/core/settings.js";

const FULL = {
  zone: "Level-1",
  spot: "B_07",
  wifi: { ssid: "garage", password: "correct horse" },
  mqtt: { host: "192.168.1.20", port: 8883, username: "node-b07", password: "s3cret" },
  pins: { trigger: "D4", echo: "D35" },
  threshold_cm: 187.5,
  hysteresis_cm: 15,
  interval_s: 1.5,
  heartbeat_s: 60,
  pings: 7,
  cycles_to_change: 3,
  topic_root: "site/lyon-1/parking",
  battery_mode: true,
};

const FULL_SETTINGS: NodeSettings = {
  zone: "Level-1",
  spot: "B_07",
  wifi: { ssid: "garage", password: "correct horse" },
  mqtt: { host: "192.168.1.20", port: 8883, username: "node-b07", password: "s3cret" },
  pins: { trigger: "D4", echo: "D35" },
  thresholdCm: 187.5,
  hysteresisCm: 15,
  intervalS: 1.5,
  heartbeatS: 60,
  pings: 7,
  cyclesToChange: 3,
  topicRoot: "site/lyon-1/parking",
  batteryMode: true,
};

function withField(path: string, value: unknown): Record<string, unknown> {
  const raw = JSON.parse(JSON.stringify(FULL)) as Record<string, Record<string, unknown>>;
  const keys = path.split(".");
  if (keys.length === 1) (raw as Record<string, unknown>)[path] = value;
  else (raw[keys[0] as string] as Record<string, unknown>)[keys[1] as string] = value;
  return raw;
}

/** Whether the settings would be read back unchanged: the definition of valid settings. */
function isValid(settings: NodeSettings): boolean {
  const again = readSettings(JSON.parse(JSON.stringify(writeSettingsJson(settings))));
  return again.errors.length === 0 && JSON.stringify(again.settings) === JSON.stringify(settings);
}

describe("readSettings", () => {
  it("reads every field of a full file", () => {
    expect(readSettings(FULL)).toEqual({ settings: FULL_SETTINGS, errors: [] });
  });

  it("gives the defaults, silently, for an empty object", () => {
    expect(readSettings({})).toEqual({ settings: DEFAULT_SETTINGS, errors: [] });
    expect(isValid(DEFAULT_SETTINGS)).toBe(true);
  });

  it("says when the file is missing or not an object", () => {
    expect(readSettings(undefined)).toEqual({
      settings: DEFAULT_SETTINGS,
      errors: ["parking.json is missing; using the default settings until it is written."],
    });
    expect(readSettings([1]).errors).toEqual([
      "parking.json must hold a JSON object, got an array; using the default settings.",
    ]);
    expect(readSettings(null).errors[0]).toContain("got null");
  });

  it("falls back per field and says what is wrong in one sentence", () => {
    const result = readSettings(withField("threshold_cm", "abc"));
    expect(result.settings).toEqual({ ...FULL_SETTINGS, thresholdCm: 205 });
    expect(result.errors).toEqual([
      'parking.json: threshold_cm must be a number from 10 to 390, got "abc"; using 205 until it is fixed.',
    ]);
  });

  it("never echoes a password", () => {
    const wifi = readSettings(withField("wifi.password", "short")).errors.join();
    expect(wifi).toBe(
      "parking.json: wifi.password must be empty or 8 to 64 characters, got a string of 5 characters; using the default until it is fixed.",
    );
    const mqtt = readSettings(withField("mqtt.password", "x".repeat(129))).errors.join();
    expect(mqtt).not.toContain("xxx");
    expect(readSettings(withField("wifi", ["garage", "hunter22"])).errors.join()).not.toContain("hunter22");
  });

  it("falls back for a whole section that is not an object", () => {
    const result = readSettings(withField("mqtt", "broker.local"));
    expect(result.settings.mqtt).toEqual(DEFAULT_SETTINGS.mqtt);
    expect(result.errors).toEqual([
      "parking.json: mqtt must be an object, got a string; using the defaults for all of it.",
    ]);
  });

  it.each([
    ["zone", "summary"],
    ["zone", "a b"],
    ["zone", ""],
    ["zone", "z".repeat(33)],
    ["spot", 7],
    ["wifi.ssid", "s".repeat(33)],
    ["wifi.password", "p".repeat(65)],
    ["mqtt.host", "mqtt://broker"],
    ["mqtt.host", "h".repeat(254)],
    ["mqtt.port", 0],
    ["mqtt.port", 65536],
    ["mqtt.port", 1883.5],
    ["mqtt.port", "1883"],
    ["mqtt.username", null],
    ["pins.trigger", "D34"],
    ["pins.trigger", "D6"],
    ["pins.trigger", "D1"],
    ["pins.trigger", "D05"],
    ["pins.trigger", "5"],
    ["pins.echo", "D40"],
    ["pins.echo", "D0"],
    ["pins.echo", "D36"],
    ["pins.echo", "D39"],
    ["pins.echo", "D3"],
    ["pins.echo", "A0"],
    ["threshold_cm", 9.99],
    ["threshold_cm", 390.01],
    ["threshold_cm", Number.NaN],
    ["hysteresis_cm", -1],
    ["hysteresis_cm", 100.5],
    ["interval_s", 0.5],
    ["interval_s", 3601],
    ["heartbeat_s", 4],
    ["pings", 2],
    ["pings", 16],
    ["pings", 5.5],
    ["cycles_to_change", 0],
    ["cycles_to_change", 11],
    ["topic_root", "parking/"],
    ["topic_root", "park+ing"],
    ["battery_mode", "yes"],
  ])("refuses %s = %j", (path, value) => {
    const result = readSettings(withField(path, value));
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(/^parking\.json: \S+ must .*; using .* until it is fixed\.$/);
    expect(isValid(result.settings)).toBe(true);
  });

  it.each([
    ["zone", "z".repeat(32)],
    ["wifi.ssid", ""],
    ["wifi.password", ""],
    ["wifi.password", "12345678"],
    ["mqtt.host", ""],
    ["mqtt.host", "gateway.local"],
    ["mqtt.port", 1],
    ["mqtt.port", 65535],
    ["pins.trigger", "D33"],
    ["pins.trigger", "D0"],
    ["pins.echo", "D38"],
    ["threshold_cm", 10],
    ["threshold_cm", 390],
    ["hysteresis_cm", 0],
    ["hysteresis_cm", 100],
    ["interval_s", 1],
    ["heartbeat_s", 5],
    ["pings", 3],
    ["pings", 15],
    ["cycles_to_change", 1],
    ["cycles_to_change", 10],
  ])("accepts %s = %j at the edge of its range", (path, value) => {
    expect(readSettings(withField(path, value)).errors).toEqual([]);
  });

  it("takes interval_s up to 3600 s, but in battery mode only up to the longest deep sleep, 2147 s", () => {
    expect(readSettings({ interval_s: 3600 }).errors).toEqual([]);
    expect(readSettings({ interval_s: 2147, battery_mode: true }).errors).toEqual([]);
    const long = readSettings({ interval_s: 3600, battery_mode: true });
    expect(long.settings.intervalS).toBe(2147);
    expect(long.errors).toEqual([
      "parking.json: interval_s must be at most 2147 in battery mode (the longest deep sleep an ESP32 takes), got 3600; using 2147.",
    ]);
  });

  it("has no zone or spot by default, and leaves them out of the file until they are set", () => {
    expect(DEFAULT_SETTINGS.zone).toBe("");
    expect(hasIdentity(DEFAULT_SETTINGS)).toBe(false);
    expect(writeSettingsJson(DEFAULT_SETTINGS)).not.toHaveProperty("zone");
    expect(hasIdentity(readSettings({ zone: "A", spot: "1" }).settings)).toBe(true);
    expect(hasIdentity(readSettings({ zone: "A" }).settings)).toBe(false);
  });

  it("refuses one pin for both trigger and echo", () => {
    const result = readSettings(withField("pins.echo", "D4"));
    expect(result.settings.pins).toEqual(DEFAULT_SETTINGS.pins);
    expect(result.errors).toEqual([
      "parking.json: pins.trigger and pins.echo are both D4; using D5 and D18 until one is changed.",
    ]);
    const clash = readSettings({ pins: { trigger: "D18" } });
    expect(clash.settings.pins).toEqual(DEFAULT_SETTINGS.pins);
  });

  it("ignores unknown fields and hands out fresh objects, never the defaults themselves", () => {
    const result = readSettings({ extra: 1, wifi: {} });
    expect(result.errors).toEqual([]);
    result.settings.wifi.ssid = "changed";
    result.settings.pins.trigger = "D4";
    expect(DEFAULT_SETTINGS.wifi.ssid).toBe("");
    expect(DEFAULT_SETTINGS.pins.trigger).toBe("D5");
  });

  it("(d) never throws on any JSON value and always returns valid settings", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (raw) => {
        const result = readSettings(raw);
        expect(isValid(result.settings)).toBe(true);
        for (const error of result.errors) expect(error).toMatch(/^parking\.json.*\.$/);
      }),
      { numRuns: 1000 },
    );
  });

  it("(d) keeps every good field of a file with random damage", () => {
    const damage = fc.oneof(fc.jsonValue(), fc.constant(undefined));
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...Object.keys(FULL)), damage), (patch) => {
        const raw: Record<string, unknown> = { ...FULL, ...patch };
        const result = readSettings(raw);
        expect(isValid(result.settings)).toBe(true);
        const written = writeSettingsJson(result.settings);
        for (const key of Object.keys(FULL)) {
          if (!(key in patch)) expect(written[key]).toEqual(FULL[key as keyof typeof FULL]);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("writeSettingsJson", () => {
  it("writes the file form that readSettings reads back", () => {
    expect(writeSettingsJson(FULL_SETTINGS)).toEqual(FULL);
    expect(readSettings(writeSettingsJson(FULL_SETTINGS))).toEqual({ settings: FULL_SETTINGS, errors: [] });
  });
});
