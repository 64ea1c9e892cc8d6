import { rmSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LotSummary } from "../../../protocol/src/types.js";
import { GatewayBus } from "../../src/bus.js";
import { StoreWriter } from "../../src/ingest/writer.js";
import { DEFAULT_THRESHOLDS, INITIAL_LEVELS } from "../../src/lot/alerts.js";
import { Lot } from "../../src/lot/lot.js";
import { applyReport } from "../../src/lot/spots.js";
import { LOT_SCOPE } from "../../src/lot/types.js";
import { levelsFromHistory, SummaryService } from "../../src/services/summaryService.js";
import { openStore } from "../../src/store/index.js";
import type { Store } from "../../src/store/types.js";
import { tempDir } from "../support/gateway.js";

describe("SummaryService", () => {
  let dir: string;
  let store: Store;
  let lot: Lot;
  let bus: GatewayBus;
  let service: SummaryService;
  const summaries: LotSummary[] = [];

  beforeEach(async () => {
    dir = tempDir("parking-summary-");
    store = await openStore(join(dir, "p.db"));
    lot = new Lot();
    bus = new GatewayBus();
    summaries.length = 0;
    bus.on(summaries, "summary", (s) => summaries.push(s));
    const writer = new StoreWriter(store, pino({ level: "silent" }));
    service = new SummaryService({ lot, bus, writer, thresholds: DEFAULT_THRESHOLDS, intervalMs: 250 });
  });

  afterEach(async () => {
    service.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const park = (i: number, status: "free" | "occupied", at: number): void => {
    const result = applyReport(
      lot.get("Z", `s${i}`),
      "Z",
      `s${i}`,
      { status, confidence: 0.9, seq: at },
      at,
      "mqtt",
    );
    if (result.outcome !== "accepted") throw new Error("report not accepted");
    lot.set(result.spot);
    if (result.change) bus.emit("spotChanged", { event: result.change, spot: result.spot });
  };

  it("coalesces a burst of changes into at most one summary per interval", async () => {
    service.start(INITIAL_LEVELS);
    expect(summaries).toHaveLength(1);
    for (let i = 0; i < 200; i++) park(i, i % 10 === 0 ? "free" : "occupied", 1_000 + i);
    await new Promise((r) => setTimeout(r, 400));
    expect(summaries.length).toBe(2);
    expect(summaries.at(-1)).toMatchObject({
      total: 200,
      free: 20,
      occupied: 180,
      occupancyRate: 90,
      level: "critical",
    });
  });

  it("stores alert transitions and restores the levels after a restart", async () => {
    service.start(INITIAL_LEVELS);
    for (let i = 0; i < 10; i++) park(i, "occupied", 1_000 + i);
    await new Promise((r) => setTimeout(r, 400));
    const stored = await store.alertHistory({ limit: 10 });
    expect(stored.map((a) => [a.scope, a.previous, a.level])).toContainEqual([
      LOT_SCOPE,
      "normal",
      "critical",
    ]);
    expect(levelsFromHistory(stored)).toEqual({ lot: "critical", zones: { Z: "critical" } });
  });
});
