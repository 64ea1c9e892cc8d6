import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach } from "vitest";
import type { AlertEvent, ChangeEvent, OccupancySample, Spot } from "../../src/lot/types.js";
import type { KyselyStore } from "../../src/store/kyselyStore.js";
import { openPostgresStore } from "../../src/store/postgres.js";
import { openSqliteStore } from "../../src/store/sqlite.js";
import type { WriteBatch } from "../../src/store/types.js";
import { makeSpot } from "../lot/fixtures.js";
import { useTestDatabase } from "../support/postgres.js";

/**
 * A fresh temp directory per test, and a registry of stores to close, both cleaned up after each
 * test. Call once at the top level of a test file.
 */
export function useTempDir(): { dir(): string; track<T extends KyselyStore>(store: T): T } {
  let current: string | undefined;
  const stores: KyselyStore[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    if (current !== undefined) fs.rmSync(current, { recursive: true, force: true });
    current = undefined;
  });
  return {
    dir() {
      current ??= fs.mkdtempSync(path.join(os.tmpdir(), "parking-store-"));
      return current;
    },
    track(store) {
      stores.push(store);
      return store;
    },
  };
}

export type Engine = "sqlite" | "postgres";
/** Every engine the store's own test suite runs against. */
export const ENGINES: readonly Engine[] = ["sqlite", "postgres"];

/**
 * Opens stores on `engine`, closed and emptied after each test. Call once at the top of a describe.
 * SQLite: a file `name` in a fresh temp directory. PostgreSQL: one database per describe, made in
 * beforeAll, emptied after each test and dropped in afterAll; every `name` is that same database.
 * An unreachable PostgreSQL fails the tests, never skips them.
 */
export function useStore(engine: Engine): (name?: string) => Promise<KyselyStore> {
  if (engine === "sqlite") {
    const tmp = useTempDir();
    return async (name = "parking.db") => tmp.track(await openSqliteStore(path.join(tmp.dir(), name)));
  }
  const database = useTestDatabase();
  const stores: KyselyStore[] = [];
  afterEach(async () => {
    if (stores.length === 0) return;
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await database().reset();
  });
  return async () => {
    const store = await openPostgresStore(database().url);
    stores.push(store);
    return store;
  };
}

export function batch(parts: Partial<WriteBatch>): WriteBatch {
  return { spots: [], events: [], alerts: [], samples: [], ...parts };
}

/** Every field set, none null: a round trip through the store must keep each one. */
export function spot(overrides: Partial<Spot> = {}): Spot {
  return makeSpot({
    spot: "01",
    status: "occupied",
    confidence: 0.93,
    distanceCm: 41.5,
    seq: 12,
    reportedAt: 1_700_000_000_123,
    lastSeen: 1_700_000_000_500,
    lastChange: 1_699_999_000_000,
    fw: "1.2.3",
    rssi: -67,
    batteryV: 3.71,
    ...overrides,
  });
}

export function event(overrides: Partial<ChangeEvent> = {}): ChangeEvent {
  return {
    ts: 1_700_000_000_000,
    zone: "A",
    spot: "01",
    state: "occupied",
    previous: "free",
    confidence: 0.9,
    distanceCm: 40,
    seq: 1,
    reportedAt: 1_699_999_999_750,
    source: "mqtt",
    ...overrides,
  };
}

export function alert(overrides: Partial<AlertEvent> = {}): AlertEvent {
  return {
    ts: 1_700_000_000_000,
    scope: "*",
    level: "high",
    previous: "normal",
    occupancyRate: 71.4,
    ...overrides,
  };
}

export function sample(overrides: Partial<OccupancySample> = {}): OccupancySample {
  return {
    ts: 1_700_000_000_000,
    scope: "*",
    total: 10,
    free: 5,
    occupied: 5,
    offline: 0,
    unknown: 0,
    occupancyRate: 50,
    ...overrides,
  };
}
