import { describe, expect, it } from "vitest";
import type { ChangeEvent, Spot } from "../../src/lot/types.js";
import { InvalidCursorError } from "../../src/store/kyselyStore.js";
import type { HistoryPage, StoredChangeEvent } from "../../src/store/types.js";
import { alert, batch, ENGINES, event, sample, spot, useStore } from "./helpers.js";

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return err as Error;
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/**
 * Events 0..n-1: ts T0 + i s, zones A/B/C round-robin, spots 01..05; the node's clock 250 ms
 * behind the gateway's, except every fourth event, which came with no node time.
 */
const T0 = 1_700_000_000_000;
function events(n: number): ChangeEvent[] {
  return Array.from({ length: n }, (_, i) =>
    event({
      ts: T0 + i * 1000,
      zone: ["A", "B", "C"][i % 3] ?? "A",
      spot: `0${(i % 5) + 1}`,
      state: i % 2 === 0 ? "occupied" : "free",
      seq: i,
      reportedAt: i % 4 === 3 ? null : T0 + i * 1000 - 250,
    }),
  );
}

describe.each(ENGINES)("KyselyStore on %s", (engine) => {
  const open = useStore(engine);

  describe("commit and loadSpots", () => {
    it("round-trips every Spot field, nulls and booleans included", async () => {
      const store = await open();
      const full = spot();
      const sparse: Spot = spot({
        zone: "B",
        spot: "07",
        status: "unknown",
        online: false,
        confidence: 0,
        distanceCm: null,
        seq: null,
        reportedAt: null,
        fw: null,
        rssi: null,
        batteryV: null,
      });
      await store.commit(batch({ spots: [sparse, full] }));
      expect(await store.loadSpots()).toEqual([full, sparse]);
    });

    it("round-trips every ChangeEvent field, the node's time and its absence included", async () => {
      const store = await open();
      const full = event();
      const sparse = event({
        ts: full.ts + 1,
        state: "offline",
        previous: null,
        distanceCm: null,
        seq: null,
        reportedAt: null,
        source: "timeout",
      });
      await store.commit(batch({ events: [full, sparse] }));
      const { events: stored } = await store.history({ limit: 10 });
      expect(stored.map(({ id: _id, ...rest }) => rest)).toEqual([sparse, full]);
    });

    it("upserts by (zone, spot): a later commit overwrites every column", async () => {
      const store = await open();
      await store.commit(batch({ spots: [spot(), spot({ spot: "02" })] }));
      const changed = spot({
        status: "free",
        online: false,
        confidence: 0.5,
        distanceCm: 180,
        seq: 13,
        reportedAt: 1_700_000_100_000,
        lastSeen: 1_700_000_100_500,
        lastChange: 1_700_000_100_500,
        fw: "1.3.0",
        rssi: -80,
        batteryV: 3.5,
      });
      await store.commit(batch({ spots: [changed] }));
      expect(await store.loadSpots()).toEqual([changed, spot({ spot: "02" })]);
    });

    it("keeps the last state when a batch names the same spot twice", async () => {
      const store = await open();
      await store.commit(batch({ spots: [spot({ status: "free" }), spot({ status: "occupied", seq: 99 })] }));
      expect(await store.loadSpots()).toEqual([spot({ status: "occupied", seq: 99 })]);
    });

    it("stores all or nothing of a batch", async () => {
      const store = await open();
      await store.commit(batch({ spots: [spot({ spot: "keep" })] }));
      const bad = event({ zone: null as unknown as string });
      // 7 000 events span three insert statements; the invalid row is in the last one.
      const many = [...events(6_999), bad];
      const err = await rejection(
        store.commit(
          batch({ spots: [spot({ spot: "new" })], events: many, alerts: [alert()], samples: [sample()] }),
        ),
      );
      expect(err.message).toMatch(/NOT NULL|not-null/i);
      expect((await store.loadSpots()).map((s) => s.spot)).toEqual(["keep"]);
      expect((await store.history({ limit: 10 })).events).toEqual([]);
      expect(await store.alertHistory({ limit: 10 })).toEqual([]);
      expect((await store.occupancySeries({ stepMs: 60_000 })).ts).toEqual([]);

      // A later sample failing rolls back the events written before it in the same transaction.
      await rejection(
        store.commit(
          batch({ events: events(10), samples: [sample(), sample({ scope: null as unknown as string })] }),
        ),
      );
      expect((await store.history({ limit: 10 })).events).toEqual([]);

      // The store is still usable after a rolled-back commit.
      await store.commit(batch({ events: events(3) }));
      expect((await store.history({ limit: 10 })).events).toHaveLength(3);
    });

    it("splits large batches under the bound-parameter limit", async () => {
      const store = await open();
      const spots = Array.from({ length: 5_000 }, (_, i) => spot({ zone: `Z${i % 50}`, spot: `S${i}` }));
      const samples = Array.from({ length: 5_000 }, (_, i) => sample({ ts: T0 + i }));
      await store.commit(batch({ spots, events: events(40_000), samples }));
      expect(await store.loadSpots()).toHaveLength(5_000);
      const stats = await store.zoneStats({});
      expect(stats.reduce((n, z) => n + z.totalEvents, 0)).toBe(40_000);
    });

    it("does nothing for an empty batch, not even a transaction", async () => {
      const store = await open();
      await store.close();
      await expect(store.commit(batch({}))).resolves.toBeUndefined();
    });
  });

  describe("history", () => {
    it("returns newest first with zone, spot, from (inclusive) and to (exclusive) filters", async () => {
      const store = await open();
      await store.commit(batch({ events: events(30) }));

      const all = await store.history({ limit: 100 });
      expect(all.events).toHaveLength(30);
      expect(all.nextCursor).toBeNull();
      const ids = all.events.map((e) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      expect(all.events[0]).toEqual({ ...events(30)[29], id: ids[0] });
      expect(all.events.map(({ id: _id, ...rest }) => rest)).toEqual(events(30).reverse());

      const zoneA = await store.history({ zone: "A", limit: 100 });
      expect(zoneA.events.map((e) => e.seq)).toEqual([27, 24, 21, 18, 15, 12, 9, 6, 3, 0]);

      const spotA01 = await store.history({ zone: "A", spot: "01", limit: 100 });
      expect(spotA01.events.map((e) => e.seq)).toEqual([15, 0]);

      const range = await store.history({ from: T0 + 10_000, to: T0 + 15_000, limit: 100 });
      expect(range.events.map((e) => e.seq)).toEqual([14, 13, 12, 11, 10]);

      const limited = await store.history({ limit: 4 });
      expect(limited.events.map((e) => e.seq)).toEqual([29, 28, 27, 26]);
      expect(limited.nextCursor).not.toBeNull();
    });

    it("pages with the cursor through every event exactly once", async () => {
      const store = await open();
      await store.commit(batch({ events: events(250) }));
      for (const query of [
        {},
        { zone: "B" },
        { zone: "C", spot: "03" },
        { from: T0 + 17_000, to: T0 + 200_000 },
      ]) {
        const expected = (await store.history({ ...query, limit: 10_000 })).events;
        const seen: StoredChangeEvent[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.history({ ...query, limit: 7, ...(cursor ? { cursor } : {}) });
          expect(page.events.length).toBeLessThanOrEqual(7);
          seen.push(...page.events);
          cursor = page.nextCursor ?? undefined;
          pages++;
        } while (cursor !== undefined);
        expect(seen).toEqual(expected);
        expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);
        expect(pages).toBe(Math.max(1, Math.ceil(expected.length / 7)));
      }
    });

    it("orders by ts, then id, and pages exactly through equal timestamps", async () => {
      const store = await open();
      // Committed out of ts order (a clock step), and 40 events sharing one millisecond.
      const late = events(5).map((e) => ({ ...e, ts: e.ts + 3_600_000 }));
      const same = Array.from({ length: 40 }, (_, i) => event({ ts: T0 + 60_000, seq: 1_000 + i }));
      await store.commit(batch({ events: [...late, ...same] }));
      await store.commit(batch({ events: events(5) }));

      const all = (await store.history({ limit: 100 })).events;
      expect(all).toHaveLength(50);
      const order = [...all].sort((a, b) => b.ts - a.ts || b.id - a.id);
      expect(all).toEqual(order);
      expect(all.slice(0, 5).map((e) => e.seq)).toEqual([4, 3, 2, 1, 0]);

      const seen: StoredChangeEvent[] = [];
      let cursor: string | null = null;
      do {
        const page: HistoryPage = await store.history({ limit: 7, ...(cursor ? { cursor } : {}) });
        seen.push(...page.events);
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(seen).toEqual(all);

      const streamed = await collect(store.streamEvents({}));
      expect(streamed).toEqual([...all].reverse());
    });

    it("has no next page when the last page is exactly full", async () => {
      const store = await open();
      await store.commit(batch({ events: events(6) }));
      const first = await store.history({ limit: 3 });
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = await store.history({ limit: 3, cursor: first.nextCursor ?? "" });
      expect(second.events).toHaveLength(3);
      expect(second.nextCursor).toBeNull();
    });

    it("rejects a cursor it did not hand out with InvalidCursorError", async () => {
      const store = await open();
      await store.commit(batch({ events: events(3) }));
      const valid = (await store.history({ limit: 1 })).nextCursor ?? "";
      for (const cursor of [
        "",
        "not a cursor!",
        "%%%",
        Buffer.from("abc").toString("base64url"),
        Buffer.from("17").toString("base64url"),
        Buffer.from("1700000000000.0").toString("base64url"),
        Buffer.from("1700000000000.-5").toString("base64url"),
        Buffer.from("1700000000000.1.5").toString("base64url"),
        Buffer.from("01700000000000.5").toString("base64url"),
        Buffer.from("1700000000000.99999999999999999999").toString("base64url"),
        `${valid}=`,
        `${valid}.`,
      ]) {
        const err = await rejection(store.history({ limit: 10, cursor }));
        expect(err, cursor).toBeInstanceOf(InvalidCursorError);
        expect(err.name).toBe("InvalidCursorError");
        expect(err.message).toContain("cursor");
      }
    });

    it("rejects a limit outside 1..10 000", async () => {
      const store = await open();
      for (const limit of [0, -1, 1.5, 10_001, Number.NaN]) {
        const err = await rejection(store.history({ limit }));
        expect(err.message).toContain("limit");
      }
    });
  });

  describe("zoneStats", () => {
    it("counts events per state and zone, zones in name order", async () => {
      const store = await open();
      await store.commit(
        batch({
          events: [
            event({ zone: "B", state: "occupied", ts: T0 }),
            event({ zone: "A", state: "occupied", ts: T0 + 1 }),
            event({ zone: "A", state: "free", ts: T0 + 2 }),
            event({ zone: "A", state: "offline", ts: T0 + 3 }),
            event({ zone: "A", state: "unknown", ts: T0 + 4 }),
            event({ zone: "A", state: "occupied", ts: T0 + 5 }),
            event({ zone: "C", state: "free", ts: T0 + 100 }),
          ],
        }),
      );
      expect(await store.zoneStats({})).toEqual([
        {
          zone: "A",
          occupiedEvents: 2,
          freeEvents: 1,
          offlineEvents: 1,
          unknownEvents: 1,
          totalEvents: 5,
          lastEvent: T0 + 5,
        },
        {
          zone: "B",
          occupiedEvents: 1,
          freeEvents: 0,
          offlineEvents: 0,
          unknownEvents: 0,
          totalEvents: 1,
          lastEvent: T0,
        },
        {
          zone: "C",
          occupiedEvents: 0,
          freeEvents: 1,
          offlineEvents: 0,
          unknownEvents: 0,
          totalEvents: 1,
          lastEvent: T0 + 100,
        },
      ]);
      const filtered = await store.zoneStats({ zone: "A", from: T0 + 2, to: T0 + 5 });
      expect(filtered).toEqual([
        {
          zone: "A",
          occupiedEvents: 0,
          freeEvents: 1,
          offlineEvents: 1,
          unknownEvents: 1,
          totalEvents: 3,
          lastEvent: T0 + 4,
        },
      ]);
      expect(await store.zoneStats({ from: T0 + 1_000 })).toEqual([]);
    });
  });

  describe("occupancySeries", () => {
    it("averages samples into buckets, oldest first, in equal-length columns", async () => {
      const store = await open();
      const start = 1_700_000_040_000; // a whole minute
      await store.commit(
        batch({
          samples: [
            sample({ ts: start + 200_000, occupancyRate: 90, free: 1, occupied: 9 }),
            sample({ ts: start, occupancyRate: 10, free: 9, occupied: 1, offline: 1 }),
            sample({ ts: start + 10_000, occupancyRate: 20, free: 8, occupied: 2, offline: 0 }),
            sample({
              ts: start + 59_999,
              occupancyRate: 20.05,
              free: 8,
              occupied: 2,
              offline: 0,
              unknown: 1,
            }),
            sample({ ts: start + 60_000, occupancyRate: 50, free: 5, occupied: 5 }),
            sample({ ts: start + 30_000, scope: "A", occupancyRate: 100 }),
          ],
        }),
      );
      const series = await store.occupancySeries({ stepMs: 60_000 });
      expect(series).toEqual({
        ts: [start, start + 60_000, start + 180_000],
        occupancyRate: [16.7, 50, 90],
        free: [8.3, 5, 1],
        occupied: [1.7, 5, 9],
        offline: [0.3, 0, 0],
        unknown: [0.3, 0, 0],
      });

      const zoneA = await store.occupancySeries({ scope: "A", stepMs: 60_000 });
      expect(zoneA.ts).toEqual([start]);
      expect(zoneA.occupancyRate).toEqual([100]);

      const ranged = await store.occupancySeries({
        from: start + 10_000,
        to: start + 60_001,
        stepMs: 3_600_000,
      });
      expect(ranged.occupancyRate).toEqual([30]);
      expect(ranged.ts).toEqual([Math.floor(start / 3_600_000) * 3_600_000]);
    });

    it("rejects a step that is not a positive integer", async () => {
      const store = await open();
      for (const stepMs of [0, -60_000, 1.5, Number.NaN]) {
        const err = await rejection(store.occupancySeries({ stepMs }));
        expect(err.message).toContain("stepMs");
      }
    });
  });

  describe("hourlyStats", () => {
    it("folds samples into local hours of day, weighted by sample count", async () => {
      const store = await open();
      const at = (day: number, hour: number, minute = 0) => new Date(2024, 0, day, hour, minute).getTime();
      await store.commit(
        batch({
          samples: [
            // Hour 8: one sample of 100 on the 15th, three of 0 on the 16th: 25, not the mean of means (50).
            sample({ ts: at(15, 8, 0), occupancyRate: 100 }),
            sample({ ts: at(16, 8, 5), occupancyRate: 0 }),
            sample({ ts: at(16, 8, 30), occupancyRate: 0 }),
            sample({ ts: at(16, 8, 59), occupancyRate: 0 }),
            // Hour 23 and hour 0 sit next to each other but are different hours of day.
            sample({ ts: at(15, 23, 45), occupancyRate: 33.33 }),
            sample({ ts: at(16, 0, 15), occupancyRate: 66.66 }),
            sample({ ts: at(16, 0, 20), occupancyRate: 66.68 }),
            // Another scope: counted only when asked for.
            sample({ ts: at(15, 8, 10), scope: "A", occupancyRate: 42 }),
          ],
        }),
      );
      expect(await store.hourlyStats({})).toEqual([
        { hour: 0, avgOccupancy: 66.7, samples: 2 },
        { hour: 8, avgOccupancy: 25, samples: 4 },
        { hour: 23, avgOccupancy: 33.3, samples: 1 },
      ]);
      expect(await store.hourlyStats({ scope: "A" })).toEqual([{ hour: 8, avgOccupancy: 42, samples: 1 }]);
      expect(await store.hourlyStats({ from: at(16, 0), to: at(16, 8, 30) })).toEqual([
        { hour: 0, avgOccupancy: 66.7, samples: 2 },
        { hour: 8, avgOccupancy: 0, samples: 1 },
      ]);
      expect(await store.hourlyStats({ scope: "nowhere" })).toEqual([]);
    });
  });

  describe("alertHistory", () => {
    it("returns alert transitions newest first, within the range and limit", async () => {
      const store = await open();
      const alerts = [
        alert({ ts: T0, level: "high", previous: "normal", occupancyRate: 71 }),
        alert({ ts: T0 + 1_000, level: "critical", previous: "high", occupancyRate: 86.2, scope: "A" }),
        alert({ ts: T0 + 2_000, level: "normal", previous: "critical", occupancyRate: 40 }),
      ];
      await store.commit(batch({ alerts }));
      const all = await store.alertHistory({ limit: 10 });
      expect(all.map(({ id: _id, ...rest }) => rest)).toEqual([...alerts].reverse());
      expect(all.every((a) => Number.isInteger(a.id))).toBe(true);
      expect((await store.alertHistory({ limit: 1 })).map((a) => a.ts)).toEqual([T0 + 2_000]);
      expect(
        (await store.alertHistory({ from: T0 + 1, to: T0 + 2_000, limit: 10 })).map((a) => a.scope),
      ).toEqual(["A"]);
    });
  });

  describe("streamEvents", () => {
    it("yields 25 000 events oldest first, each once, across keyset pages", async () => {
      const store = await open();
      const all = events(25_000);
      await store.commit(batch({ events: all }));
      let count = 0;
      let lastId = 0;
      let lastTs = 0;
      for await (const e of store.streamEvents({})) {
        expect(e.id).toBeGreaterThan(lastId);
        expect(e.ts).toBeGreaterThanOrEqual(lastTs);
        expect(e.seq).toBe(count);
        lastId = e.id;
        lastTs = e.ts;
        count++;
      }
      expect(count).toBe(25_000);

      const zoneB = await collect(
        store.streamEvents({ zone: "B", from: T0 + 3_000_000, to: T0 + 6_000_000 }),
      );
      const expected = all.filter((e) => e.zone === "B" && e.ts >= T0 + 3_000_000 && e.ts < T0 + 6_000_000);
      expect(zoneB.map(({ id: _id, ...rest }) => rest)).toEqual(expected);
    });

    it("ends at once when nothing matches", async () => {
      const store = await open();
      expect(await collect(store.streamEvents({ zone: "none" }))).toEqual([]);
    });
  });

  describe("prune", () => {
    it("deletes rows older than the cutoff and reports the counts", async () => {
      const store = await open();
      await store.commit(
        batch({
          spots: [spot()],
          events: events(10),
          alerts: [alert({ ts: T0 }), alert({ ts: T0 + 9_000 })],
          samples: [sample({ ts: T0 }), sample({ ts: T0 + 4_999 }), sample({ ts: T0 + 5_000 })],
        }),
      );
      expect(await store.prune(T0 + 5_000)).toEqual({ events: 5, samples: 2, alerts: 1 });
      expect((await store.history({ limit: 100 })).events.map((e) => e.seq)).toEqual([9, 8, 7, 6, 5]);
      expect(await store.alertHistory({ limit: 10 })).toHaveLength(1);
      expect((await store.occupancySeries({ stepMs: 1 })).ts).toEqual([T0 + 5_000]);
      expect(await store.loadSpots()).toEqual([spot()]); // spots are current state, never pruned
      expect(await store.prune(T0 + 5_000)).toEqual({ events: 0, samples: 0, alerts: 0 });
    });
  });

  describe("lifecycle", () => {
    it("keeps everything across close and reopen, and ids keep growing", async () => {
      const first = await open("persist.db");
      await first.commit(
        batch({ spots: [spot()], events: events(5), alerts: [alert()], samples: [sample({ ts: T0 })] }),
      );
      const before = await first.history({ limit: 100 });
      await first.close();

      const second = await open("persist.db");
      expect(await second.loadSpots()).toEqual([spot()]);
      expect(await second.history({ limit: 100 })).toEqual(before);
      expect(await second.alertHistory({ limit: 10 })).toHaveLength(1);
      expect((await second.occupancySeries({ stepMs: 60_000 })).ts).toHaveLength(1);

      // AUTOINCREMENT: ids are not reused even when the newest rows were pruned.
      await second.prune(Number.MAX_SAFE_INTEGER);
      await second.commit(batch({ events: events(1) }));
      const [next] = (await second.history({ limit: 1 })).events;
      expect(next?.id).toBeGreaterThan(before.events[0]?.id ?? Number.POSITIVE_INFINITY);
    });

    it("pings the database, and close is idempotent", async () => {
      const store = await open();
      await expect(store.ping()).resolves.toBeUndefined();
      await Promise.all([store.close(), store.close()]);
      await store.close();
      await expect(store.ping()).rejects.toThrow();
    });
  });
});
