import { describe, expect, it } from "vitest";
import { redactUrl, resolveSettings } from "../../src/config/settings.js";

describe("resolveSettings", () => {
  it("uses the documented defaults when nothing is set", () => {
    const { settings, errors } = resolveSettings({}, {});
    expect(errors).toEqual([]);
    expect(settings).toMatchObject({
      mqttUrl: null,
      mqttPort: 1883,
      mqttWsPort: 9001,
      mqttPortsExplicit: false,
      httpPort: 8080,
      host: "0.0.0.0",
      db: "./data/parking.db",
      topicRoot: "parking",
      serial: [],
      simulate: false,
      apiToken: null,
      offlineAfterS: 90,
    });
  });

  it("takes the environment, and a flag over it", () => {
    const { settings } = resolveSettings(
      { httpPort: "9090" },
      {
        PARKING_HTTP_PORT: "7070",
        PARKING_DB: "/var/lib/parking/p.db",
        PARKING_SIMULATE: "yes",
        PARKING_SERIAL: "/dev/a, /dev/b,",
      },
    );
    expect(settings.httpPort).toBe(9090);
    expect(settings.db).toBe("/var/lib/parking/p.db");
    expect(settings.simulate).toBe(true);
    expect(settings.serial).toEqual(["/dev/a", "/dev/b"]);
  });

  it("marks embedded broker ports as explicit only when someone set them", () => {
    expect(resolveSettings({ mqttPort: "1884" }, {}).settings.mqttPortsExplicit).toBe(true);
    expect(resolveSettings({}, { PARKING_MQTT_WS_PORT: "0" }).settings.mqttPortsExplicit).toBe(true);
  });

  it("reports every bad value at once, naming flag and variable", () => {
    const { errors } = resolveSettings(
      { httpPort: "70000", offlineAfterS: "soon", simulate: "maybe" as never },
      { PARKING_TOPIC_ROOT: "a/+/b", PARKING_MQTT_URL: "http://broker", PARKING_LOG_LEVEL: "loud" },
    );
    expect(errors).toHaveLength(6);
    expect(errors.join("\n")).toMatch(/--http-port \(PARKING_HTTP_PORT\) must be a port number/);
    expect(errors.join("\n")).toMatch(/--offline-after \(PARKING_OFFLINE_AFTER\) must be a number/);
    expect(errors.join("\n")).toMatch(/--simulate \(PARKING_SIMULATE\) must be true or false/);
    expect(errors.join("\n")).toMatch(/--topic-root/);
    expect(errors.join("\n")).toMatch(/--mqtt-url/);
    expect(errors.join("\n")).toMatch(/--log-level/);
  });

  it("refuses a Home Assistant discovery prefix that is not a topic", () => {
    const { errors } = resolveSettings({ haPrefix: "home/#" }, {});
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^--ha-prefix \(PARKING_HA_PREFIX\) must be/);
  });

  it("refuses a central gateway with serial nodes or Home Assistant discovery, naming both flags", () => {
    const { settings, errors } = resolveSettings(
      { siteTopics: true, serial: ["/dev/ttyUSB0"] },
      { PARKING_HA_DISCOVERY: "on" },
    );
    expect(settings.siteTopics).toBe(true);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^--site-topics \(PARKING_SITE_TOPICS\) .*--serial/);
    expect(errors[1]).toMatch(/^--site-topics \(PARKING_SITE_TOPICS\) .*--ha-discovery/);
    expect(resolveSettings({ siteTopics: true }, {}).errors).toEqual([]);
  });

  it("reads the API rate limit, 0 included, and refuses a negative one", () => {
    expect(resolveSettings({}, {}).settings.rateLimit).toBe(1200);
    expect(resolveSettings({ rateLimit: "0" }, {}).settings.rateLimit).toBe(0);
    expect(resolveSettings({}, { PARKING_RATE_LIMIT: "-1" }).errors).toEqual([
      "--rate-limit (PARKING_RATE_LIMIT) must be between 0 and 1000000, got -1.",
    ]);
  });

  it("refuses thresholds that cannot work together", () => {
    const { errors } = resolveSettings({ alertHigh: "90", alertHysteresis: "95" }, {});
    expect(errors.some((e) => e.includes("--alert-high (90) must be below --alert-critical (85)"))).toBe(
      true,
    );
    expect(errors.some((e) => e.includes("--alert-hysteresis"))).toBe(true);
  });
});

describe("redactUrl", () => {
  it("hides the password of a broker URL", () => {
    expect(redactUrl("mqtt://gw:s3cret@broker:1883")).toBe("mqtt://gw:***@broker:1883");
    expect(redactUrl("mqtt://broker:1883")).toBe("mqtt://broker:1883");
  });
});
