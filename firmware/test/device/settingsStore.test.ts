import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, type NodeSettings, readSettings } from "../../src/core/index.js";
import { mergeSettings } from "../../src/device/settingsStore.js";

function current(): NodeSettings {
  return readSettings({
    zone: "B",
    spot: "12",
    wifi: { ssid: "lot", password: "secret-pass" },
    mqtt: { host: "gateway.local", port: 1883, username: "node", password: "pw" },
    threshold_cm: 200,
  }).settings;
}

describe("mergeSettings", () => {
  it("changes only what the message names", () => {
    const next = mergeSettings(current(), { threshold_cm: 150, interval_s: 5 });
    expect(next.errors).toEqual([]);
    expect(next.settings).toEqual(Object.assign(current(), { thresholdCm: 150, intervalS: 5 }));
  });

  it("merges sections field by field", () => {
    const next = mergeSettings(current(), { mqtt: { port: 8883 }, pins: { echo: "D19" } });
    expect(next.settings.mqtt).toEqual({
      host: "gateway.local",
      port: 8883,
      username: "node",
      password: "pw",
    });
    expect(next.settings.pins).toEqual({ trigger: DEFAULT_SETTINGS.pins.trigger, echo: "D19" });
    expect(next.settings.wifi).toEqual({ ssid: "lot", password: "secret-pass" });
  });

  it("validates like parking.json: a bad field is named and falls back", () => {
    const next = mergeSettings(current(), { threshold_cm: 5000 });
    expect(next.errors).toHaveLength(1);
    expect(next.errors[0]).toContain("threshold_cm");
    expect(next.settings.thresholdCm).toBe(DEFAULT_SETTINGS.thresholdCm);
  });

  it("ignores fields it does not know, such as the calibrate command", () => {
    const next = mergeSettings(current(), { calibrate: true });
    expect(next.errors).toEqual([]);
    expect(next.settings).toEqual(current());
  });

  it("replaces a section given as a non-object, and reports it", () => {
    const next = mergeSettings(current(), { wifi: "open" });
    expect(next.errors[0]).toContain("wifi must be an object");
    expect(next.settings.wifi).toEqual(DEFAULT_SETTINGS.wifi);
  });

  it("does not let __proto__ in a message change a setting", () => {
    const next = mergeSettings(
      current(),
      JSON.parse('{"__proto__": {"zone": "X"}, "pins": {"__proto__": {"echo": "D4"}}}'),
    );
    expect(next.settings.zone).toBe("B");
    expect(next.settings.pins.echo).toBe(DEFAULT_SETTINGS.pins.echo);
  });
});
