import { describe, expect, it } from "vitest";
import type { StoredChangeEvent } from "../../src/store/types.js";
import { batch, ENGINES, event, sample, useStore } from "./helpers.js";

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const T0 = 1_700_000_000_000;
/**
 * Zones of a central gateway, plus ids that sort right next to site "a/" in byte order or differ
 * only in case: none of them is a zone of site "a".
 */
const ZONES = ["a/Z1", "a/Z2", "a-1/Z1", "ab/Z1", "A/Z1", "a0", "a", "b/Z1"];
const zonesOf = (events: StoredChangeEvent[]) => [...new Set(events.map((e) => e.zone))].sort();

describe.each(ENGINES)("site filters on %s", (engine) => {
  const open = useStore(engine);

  async function withEvents() {
    const store = await open();
    await store.commit(
      batch({ events: ZONES.map((zone, i) => event({ ts: T0 + i * 1000, zone, spot: "01", seq: i })) }),
    );
    return store;
  }

  it("history keeps exactly the site's zones, and pages through them", async () => {
    const store = await withEvents();
    expect(zonesOf((await store.history({ site: "a", limit: 100 })).events)).toEqual(["a/Z1", "a/Z2"]);
    const first = await store.history({ site: "a", limit: 1 });
    expect(first.events.map((e) => e.zone)).toEqual(["a/Z2"]);
    const second = await store.history({ site: "a", limit: 1, cursor: first.nextCursor ?? "" });
    expect(second.events.map((e) => e.zone)).toEqual(["a/Z1"]);
    expect(second.nextCursor).toBeNull();
    expect((await store.history({ site: "a", zone: "a/Z1", limit: 100 })).events).toHaveLength(1);
    expect((await store.history({ site: "nowhere", limit: 100 })).events).toEqual([]);
  });

  it("zoneStats and streamEvents keep exactly the site's zones", async () => {
    const store = await withEvents();
    expect((await store.zoneStats({ site: "a" })).map((z) => z.zone)).toEqual(["a/Z1", "a/Z2"]);
    expect((await store.zoneStats({ site: "A" })).map((z) => z.zone)).toEqual(["A/Z1"]);
    expect(zonesOf(await collect(store.streamEvents({ site: "a" })))).toEqual(["a/Z1", "a/Z2"]);
    expect(zonesOf(await collect(store.streamEvents({ site: "b", from: T0 })))).toEqual(["b/Z1"]);
  });

  it("combines a site's zone samples per sample time, recomputing the rate from the sums", async () => {
    const store = await open();
    await store.commit(
      batch({
        samples: [
          sample({ ts: T0, scope: "*", total: 9, free: 4, occupied: 5, occupancyRate: 55.6 }),
          // Site a at T0: 1 + 3 occupied of 2 + 4 seen = 66.7 %, not the mean of 50 % and 75 %.
          sample({ ts: T0, scope: "a/Z1", total: 2, free: 1, occupied: 1, occupancyRate: 50 }),
          sample({ ts: T0, scope: "a/Z2", total: 5, free: 1, occupied: 3, unknown: 1, occupancyRate: 75 }),
          sample({ ts: T0, scope: "b/Z1", total: 2, free: 2, occupied: 0, occupancyRate: 0 }),
          // A minute later only a/Z1 is sampled for site a: 0 occupied.
          sample({ ts: T0 + 60_000, scope: "a/Z1", total: 2, free: 2, occupied: 0, occupancyRate: 0 }),
          sample({ ts: T0 + 60_000, scope: "a0", total: 2, free: 0, occupied: 2, occupancyRate: 100 }),
        ],
      }),
    );
    const series = await store.occupancySeries({ site: "a", stepMs: 60_000 });
    expect(series).toEqual({
      ts: [T0 - (T0 % 60_000), T0 + 60_000 - (T0 % 60_000)],
      occupancyRate: [66.7, 0],
      free: [2, 2],
      occupied: [4, 0],
      offline: [0, 0],
      unknown: [1, 0],
    });
    // One bucket for both times: the mean of the two site samples.
    const wide = await store.occupancySeries({ site: "a", stepMs: 3_600_000 });
    expect(wide.occupancyRate).toEqual([33.3]);
    expect(wide.occupied).toEqual([2]);

    const hourly = await store.hourlyStats({ site: "a" });
    expect(hourly).toEqual([{ hour: new Date(T0).getHours(), avgOccupancy: 33.3, samples: 2 }]);
    expect(await store.hourlyStats({ site: "a", from: T0 + 1 })).toEqual([
      { hour: new Date(T0 + 60_000).getHours(), avgOccupancy: 0, samples: 1 },
    ]);
    expect(await store.hourlyStats({ site: "nowhere" })).toEqual([]);
    expect((await store.occupancySeries({ site: "nowhere", stepMs: 60_000 })).ts).toEqual([]);
  });

  it("rates a site sample with nothing seen at 0", async () => {
    const store = await open();
    await store.commit(
      batch({ samples: [sample({ ts: T0, scope: "a/Z1", total: 2, free: 0, occupied: 0, offline: 2 })] }),
    );
    const series = await store.occupancySeries({ site: "a", stepMs: 1_000 });
    expect(series.occupancyRate).toEqual([0]);
    expect(series.offline).toEqual([2]);
  });
});
