import { describe, expect, it } from "vitest";
import { parseDuration, parseStart, resolveSimulateFlags, type SimulateFlags } from "../src/options.js";

const NOW = new Date(2026, 10, 24, 13, 5, 0).getTime();

function errorsOf(flags: SimulateFlags): string[] {
  return resolveSimulateFlags(flags, {}, () => NOW).errors;
}

describe("parking simulate flags", () => {
  it("defaults to the original lot, real time, office profile, MQTT on localhost, one connection per node", () => {
    const { config } = resolveSimulateFlags({}, {}, () => NOW);
    expect(config?.spots).toBe(24);
    expect(config?.zones.map((z) => z.zone)).toEqual(["Zone_A", "Zone_B", "Zone_C"]);
    expect(config?.speed).toBe(1);
    expect(config?.profile.name).toBe("office");
    expect(config?.mqttUrl).toBe("mqtt://localhost:1883");
    expect(config?.connections).toBe(0);
    expect(config?.startMs).toBe(NOW);
    expect(config?.durationMs).toBeUndefined();
  });

  it("takes the broker and topic root from the environment like the gateway", () => {
    const { config } = resolveSimulateFlags(
      {},
      { PARKING_MQTT_URL: "mqtt://broker:1884", PARKING_TOPIC_ROOT: "site1/parking" },
    );
    expect(config?.mqttUrl).toBe("mqtt://broker:1884");
    expect(config?.topicRoot).toBe("site1/parking");
  });

  it("shares --spots over --zone-count zones", () => {
    const { config } = resolveSimulateFlags({ spots: "10", zoneCount: "3" });
    expect(config?.zones.map((z) => [z.zone, z.spots.length])).toEqual([
      ["Zone_A", 4],
      ["Zone_B", 3],
      ["Zone_C", 3],
    ]);
  });

  it.each([
    [{ zones: "A:x" }, "--zones"],
    [{ speed: "0" }, "--speed"],
    [{ speed: "fast" }, "--speed"],
    [{ profile: "/nonexistent/demand.csv" }, "--profile"],
    [{ duration: "soon" }, "--duration"],
    [{ seed: "-1" }, "--seed"],
    [{ start: "yesterday" }, "--start"],
    [{ transport: "carrier-pigeon" }, "--transport"],
    [{ mqttUrl: "http://x" }, "--mqtt-url"],
    [{ spots: "0" }, "--spots"],
    [{ spots: "5", zoneCount: "6" }, "--zone-count"],
    [{ zones: "A:3", spots: "5" }, "--zones"],
    [{ firmware: "30" }, "--firmware"],
    [{ firmware: "2", transport: "serial" }, "--firmware"],
    [{ firmware: "2", mqttUrl: "ws://localhost:9001" }, "--firmware"],
    [{ faults: "gremlins=1" }, "--faults"],
    [{ faults: "duplicate=2" }, "--faults"],
    [{ connections: "some" }, "--connections"],
    [{ serialDevice: "/dev/ttyUSB0" }, "--serial-device"],
    [{ topicRoot: "a/#" }, "--topic-root"],
  ] as Array<[SimulateFlags, string]>)("%j is refused with one sentence naming %s", (flags, flag) => {
    const errors = errorsOf(flags);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(flag);
    expect(errors[0]).toMatch(/\.$/);
  });

  it("lists every bad flag at once", () => {
    const errors = errorsOf({ zones: "A:x", speed: "0", profile: "/nope.csv" });
    expect(errors).toHaveLength(3);
    expect(resolveSimulateFlags({ zones: "A:x", speed: "0" }).config).toBeUndefined();
  });

  it("reads durations and start times", () => {
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("45m")).toBe(2_700_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("2d")).toBe(172_800_000);
    expect(parseDuration("120")).toBe(120_000);
    expect(parseDuration("0")).toBeUndefined();
    expect(parseDuration("5 parsecs")).toBeUndefined();
    expect(parseStart("06:30", NOW)).toBe(new Date(2026, 10, 24, 6, 30).getTime());
    expect(parseStart("2026-11-24T00:00:00Z", NOW)).toBe(Date.UTC(2026, 10, 24));
    expect(parseStart("25:00", NOW)).toBeUndefined();
  });
});
