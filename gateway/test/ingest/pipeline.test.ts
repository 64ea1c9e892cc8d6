import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { GatewayBus } from "../../src/bus.js";
import { IngestCounters } from "../../src/ingest/counters.js";
import { IngestPipeline } from "../../src/ingest/pipeline.js";
import { StoreWriter } from "../../src/ingest/writer.js";
import { Lot } from "../../src/lot/lot.js";
import type { Store } from "../../src/store/types.js";

/** The pipeline over a store whose commits succeed at once, its clock and its log lines in hand. */
function rig() {
  const logged: Array<Record<string, unknown>> = [];
  const logger = pino({ level: "info" }, { write: (line: string) => logged.push(JSON.parse(line)) });
  const clock = { now: Date.UTC(2026, 11, 6, 12) };
  const lot = new Lot();
  const counters = new IngestCounters();
  const writer = new StoreWriter({ commit: async () => {} } as unknown as Store, pino({ level: "silent" }));
  const pipeline = new IngestPipeline({
    topicRoot: "parking",
    lot,
    writer,
    bus: new GatewayBus(),
    counters,
    logger,
    now: () => clock.now,
  });
  const send = (body: Record<string, unknown>): void =>
    pipeline.receive("parking/A/1", JSON.stringify({ status: "free", confidence: 0.9, ...body }), "mqtt");
  return { logged, clock, lot, counters, writer, send };
}

describe("IngestPipeline, reports it does not store", () => {
  it("keeps a node that sends stale reports alive, and says why they are dropped, a few lines a minute", async () => {
    const { logged, clock, lot, counters, writer, send } = rig();
    send({ seq: 5000 });
    await writer.flush();
    for (let i = 0; i < 30; i++) {
      clock.now += 1_000;
      send({ seq: 4100 + i });
    }
    await writer.flush();
    expect(counters.stale).toBe(30);
    expect(lot.get("A", "1")?.lastSeen).toBe(clock.now);
    expect(lot.get("A", "1")?.seq).toBe(5000);
    const drops = logged.filter((l) => typeof l.msg === "string" && l.msg.includes("not stored"));
    expect(drops).toHaveLength(10);
    expect(drops[0]?.msg).toBe(
      "report for A/1 not stored, stale: seq 4100 arrived after seq 5000 (sent earlier, or replayed)",
    );
  });

  it("leaves the spot alone on a duplicate", async () => {
    const { clock, lot, counters, writer, send } = rig();
    send({ seq: 7 });
    await writer.flush();
    const before = lot.get("A", "1");
    clock.now += 5_000;
    send({ seq: 7 });
    await writer.flush();
    expect(counters.duplicates).toBe(1);
    expect(lot.get("A", "1")).toEqual(before);
  });
});
