import { rmSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GatewayBus } from "../../src/bus.js";
import { StoreWriter } from "../../src/ingest/writer.js";
import { Lot } from "../../src/lot/lot.js";
import { applyReport } from "../../src/lot/spots.js";
import type { ChangeEvent } from "../../src/lot/types.js";
import { Maintenance } from "../../src/services/maintenance.js";
import { openStore } from "../../src/store/index.js";
import type { Store } from "../../src/store/types.js";
import { tempDir } from "../support/gateway.js";

describe("Maintenance", () => {
  let dir: string;
  let store: Store;
  let lot: Lot;
  let bus: GatewayBus;
  let writer: StoreWriter;
  let clock: number;
  const changes: ChangeEvent[] = [];

  beforeEach(async () => {
    dir = tempDir("parking-maintenance-");
    store = await openStore(join(dir, "p.db"));
    lot = new Lot();
    bus = new GatewayBus();
    writer = new StoreWriter(store, pino({ level: "silent" }));
    clock = 1_000_000;
    changes.length = 0;
    bus.on(changes, "spotChanged", ({ event }) => changes.push(event));
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const maintenance = () =>
    new Maintenance({
      lot,
      bus,
      writer,
      store,
      logger: pino({ level: "silent" }),
      offlineAfterMs: 90_000,
      sampleIntervalMs: 30_000,
      retentionMs: 86_400_000,
      now: () => clock,
    });

  const hear = (spot: string, at: number): void => {
    const result = applyReport(lot.get("Z", spot), "Z", spot, { status: "free", confidence: 1 }, at, "mqtt");
    if (result.outcome === "accepted") lot.set(result.spot);
  };

  it("marks spots silent for longer than the timeout offline, stored and announced", async () => {
    const m = maintenance();
    hear("quiet", clock);
    hear("chatty", clock);
    clock += 60_000;
    hear("chatty", clock);
    clock += 40_000;
    m.sweep();
    await writer.flush();
    expect(changes.map((c) => [c.spot, c.previous, c.state, c.source])).toEqual([
      ["quiet", "free", "offline", "timeout"],
    ]);
    expect(lot.get("Z", "chatty")?.online).toBe(true);
    const stored = await store.history({ limit: 10 });
    expect(stored.events.map((e) => [e.spot, e.state])).toEqual([["quiet", "offline"]]);
  });

  it("gives nodes a full timeout after the gateway starts before calling them offline", async () => {
    hear("old", clock - 3_600_000);
    const m = maintenance();
    clock += 30_000;
    m.sweep();
    expect(changes).toEqual([]);
    clock += 61_000;
    m.sweep();
    await writer.flush();
    expect(changes.map((c) => c.spot)).toEqual(["old"]);
  });

  it("samples lot and zone occupancy, and prunes history past retention", async () => {
    hear("a", clock);
    const m = maintenance();
    m.sample();
    await writer.flush();
    const series = await store.occupancySeries({ from: clock - 1, to: clock + 1, stepMs: 1_000 });
    expect(series.free).toEqual([1]);
    clock += 2 * 86_400_000;
    await m.prune();
    expect((await store.occupancySeries({ from: 0, to: clock, stepMs: 1_000 })).ts).toEqual([]);
  });
});
