import { rmSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StoreWriter } from "../../src/ingest/writer.js";
import type { ChangeEvent, Spot } from "../../src/lot/types.js";
import { openStore } from "../../src/store/index.js";
import type { Store, WriteBatch } from "../../src/store/types.js";
import { makeSpot } from "../lot/fixtures.js";
import { tempDir } from "../support/gateway.js";

const silent = pino({ level: "silent" });

function spot(n: number, status: "free" | "occupied", at: number): Spot {
  return makeSpot({
    zone: "Z",
    spot: `s${n}`,
    status,
    distanceCm: null,
    seq: at,
    lastSeen: at,
    lastChange: at,
  });
}

function change(s: Spot): ChangeEvent {
  return {
    ts: s.lastChange,
    zone: s.zone,
    spot: s.spot,
    state: s.status,
    previous: null,
    confidence: s.confidence,
    distanceCm: null,
    seq: s.seq,
    reportedAt: null,
    source: "mqtt",
  };
}

/** A real SQLite store whose next `failures` commits fail, as a full disk or a locked file would. */
function flaky(store: Store, failures: number): Store & { attempts: number } {
  let left = failures;
  const wrapper = Object.create(store) as Store & { attempts: number };
  wrapper.attempts = 0;
  wrapper.commit = async (batch: WriteBatch) => {
    wrapper.attempts += 1;
    if (left > 0) {
      left -= 1;
      throw new Error("disk I/O error");
    }
    return store.commit(batch);
  };
  return wrapper;
}

describe("StoreWriter", () => {
  let dir: string;
  let store: Store;

  beforeEach(async () => {
    dir = tempDir("parking-writer-");
    store = await openStore(join(dir, "p.db"));
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("acknowledges each item only after it is committed, in arrival order", async () => {
    const writer = new StoreWriter(store, silent);
    const acked: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = spot(i, "occupied", 1_000 + i);
      writer.add({ spot: s, event: change(s) }, () => acked.push(i));
    }
    expect(acked).toEqual([]);
    await writer.flush();
    expect(acked).toEqual([0, 1, 2, 3, 4]);
    expect((await store.history({ limit: 10 })).events).toHaveLength(5);
  });

  it("groups what arrives during a commit into the next transaction", async () => {
    const writer = new StoreWriter(store, silent);
    for (let i = 0; i < 1_000; i++) {
      const s = spot(i, "free", 1_000 + i);
      writer.add({ spot: s, event: change(s) });
    }
    await writer.flush();
    expect(writer.stats.commits).toBeLessThan(5);
    expect((await store.history({ limit: 10_000 })).events).toHaveLength(1_000);
  });

  it("retries a failed commit, in order, and acknowledges nothing until it succeeds", async () => {
    const failing = flaky(store, 2);
    const writer = new StoreWriter(failing, silent, 20);
    const acked: string[] = [];
    const first = spot(1, "occupied", 1_000);
    writer.add({ spot: first, event: change(first) }, () => acked.push("first"));
    await new Promise((r) => setTimeout(r, 5));
    expect(acked).toEqual([]);
    const second = spot(2, "free", 2_000);
    writer.add({ spot: second, event: change(second) }, () => acked.push("second"));
    await writer.flush();
    expect(failing.attempts).toBe(3);
    expect(writer.stats.failures).toBe(2);
    expect(writer.stats.lastError).toBeNull();
    expect(acked).toEqual(["first", "second"]);
    const stored = await store.history({ limit: 10 });
    expect(stored.events.map((e) => e.spot).sort()).toEqual(["s1", "s2"]);
  });

  it("keeps only the latest state of a spot within one batch", async () => {
    const writer = new StoreWriter(store, silent);
    writer.add({ spot: spot(1, "occupied", 1_000) });
    writer.add({ spot: spot(1, "free", 2_000) });
    await writer.flush();
    const spots = await store.loadSpots();
    expect(spots).toHaveLength(1);
    expect(spots[0]?.status).toBe("free");
  });
});
