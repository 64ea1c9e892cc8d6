import { afterEach, describe, expect, it, vi } from "vitest";
import { decode } from "../src/decode.js";
import type { DecodeResult, RejectReason } from "../src/types.js";

const ROOT = "parking";
const TOPIC = "parking/Zone_A/place_1";
const AVAILABILITY = "parking/Zone_A/place_1/availability";

function expectRejected(result: DecodeResult, reason: RejectReason): string {
  if (result.kind !== "rejected") throw new Error(`expected ${reason}, got ${JSON.stringify(result)}`);
  expect(result.reason).toBe(reason);
  expect(result.detail.length).toBeGreaterThan(0);
  expect(result.detail.length).toBeLessThanOrEqual(200);
  return result.detail;
}

function report(body: Record<string, unknown>): DecodeResult {
  return decode(ROOT, TOPIC, JSON.stringify(body));
}

describe("accepted reports", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("decodes the minimal v1 report", () => {
    expect(decode(ROOT, TOPIC, '{"status":"free","confidence":0.95}')).toEqual({
      kind: "report",
      zone: "Zone_A",
      spot: "place_1",
      report: { status: "free", confidence: 0.95 },
    });
  });

  it("decodes the original system's report, reading its timestamp as local time", () => {
    const payload =
      '{"sensor_id":1,"zone":"Zone_A","status":"occupied","timestamp":"2026-01-11T15:30:00.123456","confidence":0.93}';
    expect(decode(ROOT, TOPIC, payload)).toEqual({
      kind: "report",
      zone: "Zone_A",
      spot: "place_1",
      report: { status: "occupied", confidence: 0.93, ts: new Date(2026, 0, 11, 15, 30, 0, 123).getTime() },
    });
  });

  it("decodes the same payload given as bytes", () => {
    const bytes = new TextEncoder().encode('{"status":"unknown","confidence":0,"fw":"1.2.0-é"}');
    expect(decode(ROOT, TOPIC, bytes)).toMatchObject({ kind: "report", report: { fw: "1.2.0-é" } });
  });

  it("decodes bytes without TextDecoder, as on Espruino", () => {
    vi.stubGlobal("TextDecoder", undefined);
    const bytes = new TextEncoder().encode('{"status":"free","confidence":1,"fw":"v€1"}');
    expect(decode(ROOT, TOPIC, bytes)).toMatchObject({ kind: "report", report: { fw: "v€1" } });
    expectRejected(decode(ROOT, TOPIC, new Uint8Array([0x7b, 0xff, 0x7d])), "not_json");
  });

  it("decodes every optional field into camelCase", () => {
    const result = report({
      status: "occupied",
      confidence: 0.5,
      distance_cm: 42.5,
      ts: 1768145400123,
      seq: 7,
      reason: "heartbeat",
      fw: "1.0.0",
      rssi: -67,
      battery_v: 3.7,
      uptime_s: 3600,
      unknown_field: { anything: true },
    });
    expect(result).toEqual({
      kind: "report",
      zone: "Zone_A",
      spot: "place_1",
      report: {
        status: "occupied",
        confidence: 0.5,
        distanceCm: 42.5,
        ts: 1768145400123,
        seq: 7,
        reason: "heartbeat",
        fw: "1.0.0",
        rssi: -67,
        batteryV: 3.7,
        uptimeS: 3600,
      },
    });
  });

  it("accepts ts as an ISO 8601 string with an offset", () => {
    expect(report({ status: "free", confidence: 1, ts: "2026-01-11T15:30:00+01:00" })).toMatchObject({
      report: { ts: Date.UTC(2026, 0, 11, 14, 30) },
    });
  });

  it("lets ts win over timestamp, without reading timestamp", () => {
    expect(report({ status: "free", confidence: 1, ts: 5000, timestamp: "not a date" })).toMatchObject({
      report: { ts: 5000 },
    });
  });

  it("accepts a body zone equal to the topic's", () => {
    expect(report({ zone: "Zone_A", status: "free", confidence: 1 }).kind).toBe("report");
  });

  it("ignores sensor_id of any type", () => {
    expect(report({ sensor_id: "A-1", status: "free", confidence: 1 }).kind).toBe("report");
    expect(report({ sensor_id: [1], status: "free", confidence: 1 }).kind).toBe("report");
  });
});

describe("rejected reports", () => {
  it("rejects a payload that is not JSON", () => {
    expectRejected(decode(ROOT, TOPIC, "status=free"), "not_json");
  });

  it("ignores an empty payload, which is how MQTT deletes a retained message", () => {
    expect(decode(ROOT, TOPIC, "")).toEqual({ kind: "ignored" });
    expect(decode(ROOT, TOPIC, new Uint8Array(0))).toEqual({ kind: "ignored" });
    expect(decode(ROOT, `${TOPIC}/availability`, "")).toEqual({ kind: "ignored" });
    expectRejected(decode(ROOT, TOPIC, " "), "not_json");
  });

  it("rejects a JSON array", () => {
    expect(expectRejected(decode(ROOT, TOPIC, '[{"status":"free","confidence":1}]'), "not_object")).toContain(
      "array",
    );
  });

  it("rejects JSON null and scalars", () => {
    expectRejected(decode(ROOT, TOPIC, "null"), "not_object");
    expectRejected(decode(ROOT, TOPIC, '"free"'), "not_object");
    expectRejected(decode(ROOT, TOPIC, "0.5"), "not_object");
  });

  it("rejects a missing status", () => {
    expect(expectRejected(report({ confidence: 0.9 }), "missing_field")).toContain("status");
  });

  it("rejects status maybe", () => {
    expect(expectRejected(report({ status: "maybe", confidence: 0.9 }), "invalid_field")).toContain("status");
  });

  it("rejects a missing confidence", () => {
    expect(expectRejected(report({ status: "free" }), "missing_field")).toContain("confidence");
  });

  it("rejects confidence 1.5", () => {
    expect(expectRejected(report({ status: "free", confidence: 1.5 }), "invalid_field")).toBe(
      "confidence must be a number between 0 and 1, got 1.5",
    );
  });

  it("rejects confidence -1", () => {
    expect(expectRejected(report({ status: "free", confidence: -1 }), "invalid_field")).toContain(
      "confidence",
    );
  });

  it('rejects confidence "high"', () => {
    expect(expectRejected(report({ status: "free", confidence: "high" }), "invalid_field")).toContain(
      'got "high"',
    );
  });

  it("rejects a 10 KB payload before parsing it", () => {
    const payload = `{"status":"free","confidence":1,"pad":"${"x".repeat(10 * 1024)}"}`;
    expectRejected(decode(ROOT, TOPIC, payload), "oversize");
    expectRejected(decode(ROOT, TOPIC, "x".repeat(10 * 1024)), "oversize");
  });

  it("counts bytes, not characters, against the 512 limit", () => {
    const body = (pad: string) => `{"status":"free","confidence":1,"p":"${pad}"}`;
    const base = body("").length;
    expect(decode(ROOT, TOPIC, body("x".repeat(512 - base))).kind).toBe("report");
    expectRejected(decode(ROOT, TOPIC, body("x".repeat(513 - base))), "oversize");
    // 2 bytes each in UTF-8: fits in characters, not in bytes.
    expectRejected(decode(ROOT, TOPIC, body("é".repeat(300))), "oversize");
  });

  it("rejects a body zone that differs from the topic's", () => {
    expect(
      expectRejected(report({ zone: "Zone_B", status: "free", confidence: 1 }), "zone_mismatch"),
    ).toContain("Zone_B");
  });

  it("rejects a body zone that is not a string", () => {
    expectRejected(report({ zone: 1, status: "free", confidence: 1 }), "invalid_field");
  });

  it("rejects a reserved zone name", () => {
    expectRejected(decode(ROOT, "parking/summary/x", '{"status":"free","confidence":1}'), "reserved_zone");
  });

  it("rejects a topic with a space in a level", () => {
    expectRejected(decode(ROOT, "parking/Zone A/1", '{"status":"free","confidence":1}'), "invalid_topic");
  });

  it("rejects a topic with @ in a level", () => {
    expectRejected(decode(ROOT, "parking/Zone_A/pl@ce", '{"status":"free","confidence":1}'), "invalid_topic");
  });

  it("rejects random binary bytes", () => {
    const bytes = new Uint8Array([0x00, 0xff, 0xfe, 0x80, 0x7b, 0xc3, 0x28, 0x9f, 0x01, 0xed, 0xa0, 0x80]);
    expectRejected(decode(ROOT, TOPIC, bytes), "not_json");
  });

  it("rejects an unparseable timestamp", () => {
    expect(
      expectRejected(report({ status: "free", confidence: 1, timestamp: "yesterday" }), "invalid_field"),
    ).toContain("timestamp");
    expectRejected(
      report({ status: "free", confidence: 1, timestamp: "2026-02-30T10:00:00" }),
      "invalid_field",
    );
    expectRejected(report({ status: "free", confidence: 1, timestamp: 1768145400123 }), "invalid_field");
  });

  it.each([
    ["distance_cm", -1],
    ["distance_cm", 10001],
    ["distance_cm", "12"],
    ["ts", 0],
    ["ts", -5],
    ["ts", 9e15],
    ["ts", "1768145400123"],
    ["ts", true],
    ["seq", -1],
    ["seq", 1.5],
    ["seq", 2 ** 53],
    ["reason", "reboot"],
    ["fw", 12],
    ["fw", "x".repeat(33)],
    ["rssi", 1],
    ["rssi", -151],
    ["battery_v", -0.1],
    ["battery_v", 101],
    ["uptime_s", -1],
    ["uptime_s", null],
    ["status", null],
    ["confidence", null],
  ])("rejects %s = %j as invalid_field, naming it", (field, value) => {
    const body: Record<string, unknown> = { status: "free", confidence: 1 };
    body[field] = value;
    expect(expectRejected(report(body), "invalid_field").startsWith(`${field} must be`)).toBe(true);
  });

  it("keeps the detail short whatever the payload holds", () => {
    const detail = expectRejected(report({ status: "x".repeat(400), confidence: 1 }), "invalid_field");
    expect(detail.length).toBeLessThan(100);
  });
});

describe("availability", () => {
  it.each([
    ["online", true],
    ["offline", false],
    [" online\r\n", true],
    ["\toffline\n", false],
  ])("decodes %j", (payload, online) => {
    expect(decode(ROOT, AVAILABILITY, payload)).toEqual({
      kind: "availability",
      zone: "Zone_A",
      spot: "place_1",
      online,
    });
  });

  it("decodes bytes", () => {
    expect(decode(ROOT, AVAILABILITY, new TextEncoder().encode("offline"))).toMatchObject({ online: false });
  });

  it.each([" ", "Online", "on line", "true", "1", '"online"', '{"online":true}'])("rejects %j", (payload) => {
    expectRejected(decode(ROOT, AVAILABILITY, payload), "invalid_availability");
  });

  it("rejects bytes that are not UTF-8", () => {
    expectRejected(decode(ROOT, AVAILABILITY, new Uint8Array([0x6f, 0xff])), "invalid_availability");
  });

  it("rejects an oversize availability payload", () => {
    expectRejected(decode(ROOT, AVAILABILITY, `online${" ".repeat(600)}`), "oversize");
  });

  it("rejects availability in a reserved zone", () => {
    expectRejected(decode(ROOT, "parking/alerts/x/availability", "online"), "reserved_zone");
  });
});

describe("ignored topics", () => {
  it.each([
    "parking/summary",
    "parking/alerts",
    "parking/gateway/availability",
    "parking/gateway/anything/at all/#",
    "parking/Zone_A/place_1/config",
  ])("ignores %s whatever its payload", (topic) => {
    expect(decode(ROOT, topic, "x".repeat(5000))).toEqual({ kind: "ignored" });
  });
});

describe("inputs outside the declared types", () => {
  it("rejects a payload that is neither text nor bytes", () => {
    expectRejected(decode(ROOT, TOPIC, 42 as unknown as string), "not_json");
    expectRejected(decode(ROOT, AVAILABILITY, null as unknown as string), "invalid_availability");
  });

  it("rejects a topic that is not a string", () => {
    expectRejected(decode(ROOT, undefined as unknown as string, "online"), "invalid_topic");
  });
});
