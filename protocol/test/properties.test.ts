import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decode } from "../src/decode.js";
import { encodeReport } from "../src/encode.js";
import { parseTopic, reportTopic } from "../src/topics.js";
import type { DecodeResult, RejectReason, SpotReport } from "../src/types.js";

const REASONS: RejectReason[] = [
  "invalid_topic",
  "reserved_zone",
  "oversize",
  "not_json",
  "not_object",
  "missing_field",
  "invalid_field",
  "zone_mismatch",
  "invalid_availability",
];

const TOPICS = ["parking/Zone_A/place_1", "parking/Zone_A/place_1/availability"];

function expectWellFormed(result: DecodeResult): void {
  if (result.kind === "rejected") {
    expect(REASONS).toContain(result.reason);
    expect(typeof result.detail).toBe("string");
    expect(result.detail.length).toBeLessThanOrEqual(200);
  } else {
    expect(["report", "availability", "ignored"]).toContain(result.kind);
  }
}

const topic = fc.constantFrom(...TOPICS);

describe("decode never throws", () => {
  it("on any bytes", () => {
    fc.assert(
      fc.property(topic, fc.uint8Array({ maxLength: 2048 }), (t, bytes) => {
        expectWellFormed(decode("parking", t, bytes));
      }),
      { numRuns: 500 },
    );
  });

  it("on any string", () => {
    fc.assert(
      fc.property(topic, fc.string({ unit: "binary", maxLength: 600 }), (t, s) => {
        expectWellFormed(decode("parking", t, s));
      }),
      { numRuns: 500 },
    );
  });

  it("on any JSON value and any object, as text and as bytes", () => {
    fc.assert(
      fc.property(topic, fc.oneof(fc.jsonValue(), fc.object()), (t, value) => {
        const text = JSON.stringify(value) ?? "";
        expectWellFormed(decode("parking", t, text));
        expectWellFormed(decode("parking", t, new TextEncoder().encode(text)));
      }),
      { numRuns: 500 },
    );
  });

  it("on report-shaped objects with arbitrary field values", () => {
    const field = fc.oneof(fc.jsonValue(), fc.constantFrom("free", "occupied", "unknown", "boot", "Zone_A"));
    const body = fc.record(
      {
        status: field,
        confidence: fc.oneof(field, fc.double()),
        distance_cm: field,
        ts: fc.oneof(field, fc.string({ maxLength: 40 })),
        timestamp: fc.oneof(
          field,
          fc.date().map((d) => (Number.isNaN(d.getTime()) ? "" : d.toISOString())),
        ),
        seq: field,
        reason: field,
        fw: field,
        zone: field,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(topic, body, (t, b) => {
        expectWellFormed(decode("parking", t, JSON.stringify(b)));
      }),
      { numRuns: 1000 },
    );
  });

  it("decodes a string and its UTF-8 bytes the same way", () => {
    // A leading BOM is dropped from bytes (as TextDecoder does) but stays in a string.
    const text = fc.oneof(fc.string({ unit: "grapheme", maxLength: 300 }), fc.json());
    fc.assert(
      fc.property(
        topic,
        text.filter((s) => !s.startsWith("\uFEFF")),
        (t, s) => {
          expect(decode("parking", t, new TextEncoder().encode(s))).toEqual(decode("parking", t, s));
        },
      ),
    );
  });
});

describe("parseTopic never throws", () => {
  it("on any topic and root", () => {
    const level = fc.oneof(
      fc.constantFrom("parking", "summary", "alerts", "gateway", "availability", "config", "A", "+", "#", ""),
      fc.string({ unit: "binary", maxLength: 40 }),
    );
    const path = fc.array(level, { maxLength: 6 }).map((levels) => levels.join("/"));
    fc.assert(
      fc.property(
        fc.oneof(fc.constant("parking"), path),
        fc.oneof(path, fc.string({ unit: "binary" })),
        (root, t) => {
          const parsed = parseTopic(root, t);
          expect(["report", "availability", "ignored", "rejected"]).toContain(parsed.kind);
          expectWellFormed(decode(root, t, "online"));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

/** Any double in [min, max] but -0, which JSON writes as 0. */
const number = (min: number, max: number) =>
  fc.double({ min, max, noNaN: true }).filter((x) => !Object.is(x, -0));

const validReport: fc.Arbitrary<SpotReport> = fc.record(
  {
    status: fc.constantFrom("free", "occupied", "unknown"),
    confidence: number(0, 1),
    distanceCm: number(0, 10000),
    ts: number(Number.MIN_VALUE, 8.64e15),
    seq: fc.maxSafeNat(),
    reason: fc.constantFrom("boot", "change", "heartbeat"),
    fw: fc.string({ unit: "binary", maxLength: 32 }).filter((s) => s.length <= 32),
    rssi: number(-150, 0),
    batteryV: number(0, 100),
    uptimeS: number(0, Number.MAX_VALUE),
  },
  { requiredKeys: ["status", "confidence"] },
);

const id = fc
  .stringMatching(/^[A-Za-z0-9_-]{1,32}$/)
  .filter((s) => s !== "summary" && s !== "alerts" && s !== "gateway");

describe("encode then decode", () => {
  it("gives back any valid report", () => {
    fc.assert(
      fc.property(id, id, validReport, (zone, spot, report) => {
        const encoded = encodeReport(report);
        expect(decode("site/parking", reportTopic("site/parking", zone, spot), encoded)).toEqual({
          kind: "report",
          zone,
          spot,
          report,
        });
        expect(
          decode("site/parking", reportTopic("site/parking", zone, spot), new TextEncoder().encode(encoded)),
        ).toEqual({ kind: "report", zone, spot, report });
      }),
      { numRuns: 1000 },
    );
  });
});
