import { rmSync } from "node:fs";
import { join } from "node:path";
import { type Logger, pino } from "pino";
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
    const writer = new StoreWriter(failing, silent, { retryMs: 20 });
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

/** A real SQLite store whose commits fail with `code` while `failing()` says so. */
function switchable(store: Store, code: string, failing: () => boolean): Store & { attempts: number[] } {
  const wrapper = Object.create(store) as Store & { attempts: number[] };
  wrapper.attempts = [];
  wrapper.commit = async (batch: WriteBatch) => {
    wrapper.attempts.push(performance.now());
    if (failing()) throw Object.assign(new Error("database or disk is full"), { code });
    return store.commit(batch);
  };
  return wrapper;
}

function capture(): { logger: Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe("StoreWriter while the database cannot be written", () => {
  let dir: string;
  let store: Store;

  beforeEach(async () => {
    dir = tempDir("parking-writer-outage-");
    store = await openStore(join(dir, "p.db"));
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("gives up a flush after its deadline, and once abandoned drops what waits, unacknowledged, and stops retrying", async () => {
    const full = switchable(store, "SQLITE_FULL", () => true);
    const writer = new StoreWriter(full, silent, { retryMs: 10, maxRetryMs: 10_000 });
    const acked: number[] = [];
    for (let i = 0; i < 2; i++) writer.add({ spot: spot(i, "occupied", 1_000) }, () => acked.push(i));
    const started = performance.now();
    expect(await writer.flushWithin(100)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(writer.abandon()).toBe(2);
    // Waiters of an earlier flush are released; nothing was acknowledged.
    await writer.flush();
    const attempts = full.attempts.length;
    writer.add({ spot: spot(9, "free", 2_000) }, () => acked.push(9));
    await new Promise((r) => setTimeout(r, 100));
    expect(full.attempts.length).toBe(attempts);
    expect(acked).toEqual([]);
    expect(await store.loadSpots()).toEqual([]);
  });

  it("flushes within its deadline when the database takes it", async () => {
    const writer = new StoreWriter(store, silent);
    writer.add({ spot: spot(1, "free", 1_000) });
    expect(await writer.flushWithin(5_000)).toBe(true);
    expect((await store.loadSpots()).map((s) => s.spot)).toEqual(["s1"]);
  });

  it("backs off from retryMs, doubling, up to maxRetryMs", async () => {
    let failing = true;
    const full = switchable(store, "SQLITE_FULL", () => failing);
    const writer = new StoreWriter(full, silent, { retryMs: 20, maxRetryMs: 80 });
    writer.add({ spot: spot(1, "occupied", 1_000) });
    await new Promise((r) => setTimeout(r, 450));
    failing = false;
    await writer.flush();
    const gaps = full.attempts.slice(1).map((t, i) => t - (full.attempts[i] ?? 0));
    // 20, 40, 80, 80, ...: never faster than the schedule, never slower than the cap (plus timer slack).
    expect(gaps.slice(0, 3).map((g) => Math.round(g / 20) * 20)).toEqual([20, 40, 80]);
    for (const gap of gaps.slice(3)) {
      expect(gap).toBeGreaterThanOrEqual(79);
      expect(gap).toBeLessThan(140);
    }
    expect((await store.loadSpots()).map((s) => s.spot)).toEqual(["s1"]);
  });

  it("says why in words, keeps every message unacknowledged, and names the database once per outage", async () => {
    let failing = true;
    const full = switchable(store, "SQLITE_FULL", () => failing);
    const { logger, lines } = capture();
    const writer = new StoreWriter(full, logger, {
      retryMs: 10,
      maxRetryMs: 20,
      database: "the database /x/p.db",
    });
    const acked: number[] = [];
    for (let i = 0; i < 3; i++) {
      const s = spot(i, "occupied", 1_000 + i);
      writer.add({ spot: s, event: change(s) }, () => acked.push(i));
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(acked).toEqual([]);
    expect(writer.pendingCount).toBe(3);
    expect(writer.stats.lastError).toBe("no space left on the device");
    expect(writer.stats.failingSince).not.toBeNull();
    const errors = lines.filter((l) => l.level === 50);
    expect(errors.map((l) => l.msg)).toEqual([
      "Cannot write to the database /x/p.db: no space left on the device; 3 messages wait unacknowledged; retrying in 0.01 s, backing off to every 0.02 s.",
    ]);

    failing = false;
    await writer.flush();
    expect(acked).toEqual([0, 1, 2]);
    expect(writer.stats.lastError).toBeNull();
    expect(writer.stats.failingSince).toBeNull();
    const recovered = lines.filter((l) => l.level === 40).map((l) => l.msg);
    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toMatch(
      /^The database \/x\/p\.db is writable again after [\d.]+ s and \d+ failed commits; the 3 waiting messages are stored\.$/,
    );
    expect((await store.history({ limit: 10 })).events).toHaveLength(3);
  });
});
