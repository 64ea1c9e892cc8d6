import { describe, expect, it } from "vitest";
import { batch, ENGINES, event, spot, useStore } from "./helpers.js";

describe.each(ENGINES)("KyselyStore.deleteSpot on %s", (engine) => {
  const open = useStore(engine);

  it("forgets the spot's live state and keeps its history and every other spot", async () => {
    const store = await open();
    const retired = spot({ zone: "A", spot: "01" });
    const sameSpotOtherZone = spot({ zone: "B", spot: "01" });
    const neighbour = spot({ zone: "A", spot: "02" });
    await store.commit(
      batch({
        spots: [retired, sameSpotOtherZone, neighbour],
        events: [event({ zone: "A", spot: "01" }), event({ zone: "A", spot: "02", ts: 1_700_000_000_001 })],
      }),
    );

    expect(await store.deleteSpot("A", "01")).toBe(true);

    expect(await store.loadSpots()).toEqual([neighbour, sameSpotOtherZone]);
    const { events } = await store.history({ limit: 10, zone: "A", spot: "01" });
    expect(events).toHaveLength(1);
  });

  it("answers false for a spot it never stored, and a second time", async () => {
    const store = await open();
    await store.commit(batch({ spots: [spot({ zone: "A", spot: "01" })] }));
    expect(await store.deleteSpot("A", "99")).toBe(false);
    expect(await store.deleteSpot("A", "01")).toBe(true);
    expect(await store.deleteSpot("A", "01")).toBe(false);
    expect(await store.loadSpots()).toEqual([]);
  });

  it("stores the spot again when it reports after being retired", async () => {
    const store = await open();
    const again = spot({ zone: "A", spot: "01", seq: 1 });
    await store.commit(batch({ spots: [spot({ zone: "A", spot: "01" })] }));
    await store.deleteSpot("A", "01");
    await store.commit(batch({ spots: [again] }));
    expect(await store.loadSpots()).toEqual([again]);
  });
});
