import { describe, expect, it } from "vitest";
import { decode } from "../../../protocol/src/decode.js";
import { buildReport, createReporter, FIRMWARE_VERSION, type ReporterDeps } from "../../src/reporter.js";

const CLOCK_SET = Date.UTC(2025, 5, 1, 12);

interface Sent {
  published: Array<{ topic: string; payload: string }>;
  printed: string[];
}

function deps(overrides: Partial<ReporterDeps> = {}): ReporterDeps & Sent {
  const sent: Sent = { published: [], printed: [] };
  return Object.assign(
    {
      zone: "A",
      spot: "7",
      topicRoot: "parking",
      connected: () => true,
      publish: (topic: string, payload: string) => sent.published.push({ topic, payload }),
      print: (line: string) => sent.printed.push(line),
      note: (line: string) => sent.printed.push(line),
      now: () => CLOCK_SET,
      uptimeS: () => 12.4,
      rssi: () => -61,
      counting: true,
    },
    overrides,
    sent,
  );
}

const occupied = { status: "occupied" as const, confidence: 0.9612, distanceCm: 118.04 };

describe("buildReport", () => {
  it("carries every contract field, rounded", () => {
    expect(buildReport(occupied, "change", 3, deps())).toEqual({
      status: "occupied",
      confidence: 0.96,
      distanceCm: 118,
      ts: CLOCK_SET,
      seq: 3,
      reason: "change",
      fw: FIRMWARE_VERSION,
      rssi: -61,
      uptimeS: 12,
    });
  });

  it("leaves out ts while the clock is unset, and what the node does not know", () => {
    const report = buildReport(
      { status: "unknown", confidence: 0, distanceCm: null },
      "boot",
      undefined,
      deps({ now: () => 5000, rssi: () => undefined }),
    );
    expect(report).toEqual({
      status: "unknown",
      confidence: 0,
      reason: "boot",
      fw: FIRMWARE_VERSION,
      uptimeS: 12,
    });
  });
});

describe("createReporter", () => {
  it("publishes to the spot topic while connected, counting from 0", () => {
    const d = deps();
    const reporter = createReporter(d);
    reporter.report(occupied, "boot");
    reporter.report(occupied, "heartbeat");
    expect(d.published.map((p) => p.topic)).toEqual(["parking/A/7", "parking/A/7"]);
    // The console says what went to the broker, as a line the serial ingest never takes for a report.
    expect(d.printed).toEqual(d.published.map((p) => `MQTT ${p.topic} ${p.payload}`));
    expect(d.printed.every((line) => !line.startsWith("{"))).toBe(true);
    const first = JSON.parse(d.published[0]?.payload ?? "");
    expect(first).toMatchObject({ seq: 0, reason: "boot", status: "occupied" });
    expect(JSON.parse(d.published[1]?.payload ?? "")).toMatchObject({ seq: 1, reason: "heartbeat" });
    expect(first.zone).toBeUndefined();
  });

  it("prints one JSON line with zone and spot when MQTT is down", () => {
    const d = deps({ connected: () => false });
    createReporter(d).report(occupied, "change", { threshold_cm: 160 });
    expect(d.published).toEqual([]);
    expect(d.printed).toHaveLength(1);
    const line = d.printed[0] ?? "";
    expect(line.includes("\n")).toBe(false);
    expect(JSON.parse(line)).toMatchObject({
      zone: "A",
      spot: "7",
      threshold_cm: 160,
      status: "occupied",
      seq: 0,
    });
  });

  it("produces what the gateway's decoder accepts, on both paths", () => {
    const online = deps();
    createReporter(online).report(occupied, "boot");
    const sent = online.published[0];
    expect(decode("parking", sent?.topic ?? "", sent?.payload ?? "")).toMatchObject({
      kind: "report",
      zone: "A",
      spot: "7",
      report: { status: "occupied", seq: 0 },
    });
    const offline = deps({ connected: () => false });
    createReporter(offline).report(occupied, "boot");
    expect(decode("parking", "parking/A/7", offline.printed[0] ?? "")).toMatchObject({ kind: "report" });
  });

  it("sends no seq in battery mode, where every wake restarts the count", () => {
    const d = deps({ counting: false });
    const reporter = createReporter(d);
    reporter.report(occupied, "boot");
    reporter.report(occupied, "boot");
    expect(d.published.map((p) => JSON.parse(p.payload).seq)).toEqual([undefined, undefined]);
  });

  it("tells how long since the last report, for the heartbeat", () => {
    let now = CLOCK_SET;
    const reporter = createReporter(deps({ now: () => now }));
    reporter.report(occupied, "boot");
    now += 30000;
    expect(reporter.since()).toBe(30000);
  });
});
