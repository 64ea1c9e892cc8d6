import { pino } from "pino";
import type { MetricObjectWithValues, MetricValueWithName } from "prom-client";
import { describe, expect, it } from "vitest";
import { IngestCounters } from "../../src/ingest/counters.js";
import type { LinkStatus } from "../../src/ingest/mqttLink.js";
import { StoreWriter } from "../../src/ingest/writer.js";
import type { AlertLevels } from "../../src/lot/alerts.js";
import { Lot } from "../../src/lot/lot.js";
import { countSpots, summarize } from "../../src/lot/summary.js";
import { GatewayMetrics, type MetricsSources } from "../../src/services/metrics.js";
import type { Store } from "../../src/store/types.js";
import { makeSpot } from "../lot/fixtures.js";

const NO_LEVELS: AlertLevels = { lot: "normal", zones: {} };

function linkStatus(fields: Partial<LinkStatus> = {}): LinkStatus {
  return {
    connected: false,
    connectedAt: null,
    disconnectedAt: null,
    lastError: null,
    reconnects: 0,
    ...fields,
  };
}

/** A writer over a store whose commits succeed at once. */
function writerOverMemory(): StoreWriter {
  const store = { commit: async () => {} } as unknown as Store;
  return new StoreWriter(store, pino({ level: "silent" }));
}

function sources(fields: Partial<MetricsSources> = {}): MetricsSources {
  const lot = new Lot();
  return {
    counters: new IngestCounters(),
    writer: writerOverMemory(),
    hub: { clientCount: 0, droppedClients: 0 },
    link: { status: linkStatus() },
    summary: () => summarize(countSpots(lot.values()), NO_LEVELS, 0),
    processMetrics: false,
    ...fields,
  };
}

async function metric(
  metrics: GatewayMetrics,
  name: string,
): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
  const found = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  if (!found) throw new Error(`no metric ${name}`);
  return found as MetricObjectWithValues<MetricValueWithName<string>>;
}

/** The value of the sample with exactly these labels; a histogram's samples are named by their suffix. */
async function value(
  metrics: GatewayMetrics,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const m = await metric(metrics, name.replace(/_(bucket|sum|count)$/, ""));
  const sample = m.values.find(
    (v) =>
      (v.metricName ?? name) === name &&
      Object.keys(v.labels).length === Object.keys(labels).length &&
      Object.entries(labels).every(([k, l]) => v.labels[k] === l),
  );
  return sample?.value;
}

describe("GatewayMetrics", () => {
  it("reports what the ingest counters hold, read at scrape time", async () => {
    const counters = new IngestCounters();
    const metrics = new GatewayMetrics(sources({ counters }));
    expect(await value(metrics, "parking_reports_received_total")).toBe(0);

    counters.received = 9;
    counters.accepted = 4;
    counters.duplicates = 2;
    counters.stale = 1;
    counters.ignored = 1;
    counters.lastMessageAt = 1_700_000_000_500;
    counters.reject("not_json");

    expect(await value(metrics, "parking_reports_received_total")).toBe(9);
    expect(await value(metrics, "parking_reports_accepted_total")).toBe(4);
    expect(await value(metrics, "parking_reports_duplicate_total")).toBe(2);
    expect(await value(metrics, "parking_reports_stale_total")).toBe(1);
    expect(await value(metrics, "parking_reports_ignored_total")).toBe(1);
    expect(await value(metrics, "parking_last_message_timestamp_seconds")).toBe(1_700_000_000.5);
    expect((await metric(metrics, "parking_reports_rejected_total")).type).toBe("counter");
  });

  it("reports rejections by reason, every reason present from the start", async () => {
    const counters = new IngestCounters();
    const metrics = new GatewayMetrics(sources({ counters }));
    counters.reject("not_json");
    counters.reject("not_json");
    counters.reject("zone_mismatch");

    const rejected = await metric(metrics, "parking_reports_rejected_total");
    const byReason = Object.fromEntries(rejected.values.map((v) => [v.labels.reason, v.value]));
    expect(byReason).toEqual({
      invalid_topic: 0,
      reserved_zone: 0,
      oversize: 0,
      not_json: 2,
      not_object: 0,
      missing_field: 0,
      invalid_field: 0,
      zone_mismatch: 1,
      invalid_availability: 0,
    });
  });

  it("counts spots by state, per zone, with occupancy ratios and alert levels", async () => {
    const lot = new Lot();
    lot.load([
      makeSpot({ zone: "A", spot: "1", status: "free" }),
      makeSpot({ zone: "A", spot: "2", status: "occupied" }),
      makeSpot({ zone: "A", spot: "3", status: "occupied", online: false }),
      makeSpot({ zone: "B", spot: "1", status: "unknown" }),
      makeSpot({ zone: "B", spot: "2", status: "occupied" }),
    ]);
    const levels: AlertLevels = { lot: "high", zones: { A: "normal", B: "critical" } };
    const metrics = new GatewayMetrics(
      sources({ summary: () => summarize(countSpots(lot.values()), levels, 0) }),
    );

    expect(await value(metrics, "parking_spots", { state: "free" })).toBe(1);
    expect(await value(metrics, "parking_spots", { state: "occupied" })).toBe(2);
    expect(await value(metrics, "parking_spots", { state: "offline" })).toBe(1);
    expect(await value(metrics, "parking_spots", { state: "unknown" })).toBe(1);
    expect(await value(metrics, "parking_zone_spots", { zone: "A", state: "occupied" })).toBe(1);
    expect(await value(metrics, "parking_zone_spots", { zone: "A", state: "offline" })).toBe(1);
    expect(await value(metrics, "parking_zone_spots", { zone: "B", state: "unknown" })).toBe(1);
    expect(await value(metrics, "parking_zone_spots", { zone: "B", state: "free" })).toBe(0);
    expect(await value(metrics, "parking_occupancy_ratio")).toBeCloseTo(2 / 3, 10);
    expect(await value(metrics, "parking_zone_occupancy_ratio", { zone: "A" })).toBe(0.5);
    expect(await value(metrics, "parking_zone_occupancy_ratio", { zone: "B" })).toBe(1);
    expect(await value(metrics, "parking_alert_level")).toBe(1);
    expect(await value(metrics, "parking_zone_alert_level", { zone: "A" })).toBe(0);
    expect(await value(metrics, "parking_zone_alert_level", { zone: "B" })).toBe(2);
  });

  it("reports an empty lot as nothing occupied, without dividing by zero", async () => {
    const metrics = new GatewayMetrics(sources());
    expect(await value(metrics, "parking_occupancy_ratio")).toBe(0);
    expect(await value(metrics, "parking_spots", { state: "free" })).toBe(0);
    expect((await metric(metrics, "parking_zone_spots")).values).toEqual([]);
  });

  it("observes every group commit of the store writer in the latency histogram", async () => {
    const writer = writerOverMemory();
    const metrics = new GatewayMetrics(sources({ writer }));
    writer.add({ spot: makeSpot({ zone: "A", spot: "1" }) });
    await writer.flush();
    writer.add({ spot: makeSpot({ zone: "A", spot: "2" }) });
    writer.add({ spot: makeSpot({ zone: "A", spot: "3" }) });
    await writer.flush();

    expect(writer.stats.commits).toBe(2);
    expect(await value(metrics, "parking_store_commit_seconds_count")).toBe(2);
    expect(await value(metrics, "parking_store_commit_seconds_bucket", { le: "+Inf" })).toBe(2);
    expect(await value(metrics, "parking_store_commit_rows_sum")).toBe(3);
    expect(await value(metrics, "parking_store_commit_failures_total")).toBe(0);
    expect(await value(metrics, "parking_store_waiting_messages")).toBe(0);
  });

  it("reports the MQTT link and the live stream", async () => {
    const link = { status: linkStatus({ connected: true, reconnects: 3 }) };
    const hub = { clientCount: 2, droppedClients: 1 };
    const metrics = new GatewayMetrics(sources({ link, hub }));
    expect(await value(metrics, "parking_mqtt_connected")).toBe(1);
    expect(await value(metrics, "parking_mqtt_reconnects_total")).toBe(3);
    expect(await value(metrics, "parking_live_clients")).toBe(2);
    expect(await value(metrics, "parking_live_dropped_clients_total")).toBe(1);

    link.status.connected = false;
    expect(await value(metrics, "parking_mqtt_connected")).toBe(0);
  });

  it("keeps each gateway's metrics apart and shares the process's between them", async () => {
    const first = new IngestCounters();
    const second = new IngestCounters();
    first.accepted = 1;
    second.accepted = 2;
    const a = new GatewayMetrics(sources({ counters: first, processMetrics: true }));
    const b = new GatewayMetrics(sources({ counters: second, processMetrics: true }));

    const textA = await a.render();
    const textB = await b.render();
    expect(textA).toMatch(/^parking_reports_accepted_total 1$/m);
    expect(textB).toMatch(/^parking_reports_accepted_total 2$/m);
    expect(textA).toMatch(/^parking_process_cpu_user_seconds_total /m);
    expect(textB).toMatch(/^parking_nodejs_heap_size_used_bytes /m);
    expect(a.contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
  });
});
