import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SpotReport } from "../../../protocol/src/types.js";
import {
  applyAvailability,
  applyReport,
  MAX_CLOCK_AHEAD_MS,
  spotState,
  staleSpots,
} from "../../src/lot/spots.js";
import type { ChangeEvent, Spot } from "../../src/lot/types.js";
import { deepFreeze, makeSpot } from "./fixtures.js";

const free: SpotReport = { status: "free", confidence: 0.9, distanceCm: 180 };
const occupied: SpotReport = { status: "occupied", confidence: 0.8, distanceCm: 40 };

/** Applies a report to a frozen previous spot, so a mutation would throw. */
function report(prev: Spot | undefined, r: SpotReport, receivedAt = 5_000) {
  return applyReport(prev && deepFreeze(prev), "A", "1", deepFreeze(r), receivedAt, "mqtt");
}

describe("spotState", () => {
  it("is the reported status while online", () => {
    expect(spotState(makeSpot({ status: "occupied" }))).toBe("occupied");
    expect(spotState(makeSpot({ status: "unknown" }))).toBe("unknown");
  });

  it("is offline while not online, whatever the last status", () => {
    expect(spotState(makeSpot({ status: "free", online: false }))).toBe("offline");
  });
});

describe("applyReport, first report", () => {
  it("creates the spot with a change from nothing", () => {
    const r = report(undefined, { ...occupied, seq: 3, ts: 4_900, fw: "1.2", rssi: -60, batteryV: 3.7 });
    expect(r).toEqual({
      outcome: "accepted",
      spot: {
        zone: "A",
        spot: "1",
        status: "occupied",
        online: true,
        confidence: 0.8,
        distanceCm: 40,
        seq: 3,
        reportedAt: 4_900,
        lastSeen: 5_000,
        lastChange: 5_000,
        fw: "1.2",
        rssi: -60,
        batteryV: 3.7,
      },
      change: {
        ts: 5_000,
        zone: "A",
        spot: "1",
        state: "occupied",
        previous: null,
        confidence: 0.8,
        distanceCm: 40,
        seq: 3,
        reportedAt: 4_900,
        source: "mqtt",
      },
    });
  });

  it("fills what the report leaves out with null", () => {
    const r = report(undefined, { status: "unknown", confidence: 0.1 });
    expect(r.spot).toMatchObject({ distanceCm: null, seq: null, reportedAt: null, fw: null, rssi: null });
    expect(r.outcome === "accepted" && r.change?.state).toBe("unknown");
    expect(r.outcome === "accepted" && r.change?.reportedAt).toBeNull();
  });

  it("records the source it came through", () => {
    const r = applyReport(undefined, "A", "1", free, 5_000, "serial");
    expect(r.outcome === "accepted" && r.change?.source).toBe("serial");
  });
});

describe("applyReport, ordering by seq", () => {
  const prev = makeSpot({ seq: 10, reportedAt: 4_000 });

  it("drops a report with the same seq as a duplicate and keeps the spot as it was", () => {
    const r = report(prev, { ...occupied, seq: 10 });
    expect(r.outcome).toBe("duplicate");
    expect(r.spot).toBe(prev);
  });

  it("drops a retained boot report seen again as a duplicate", () => {
    expect(report(makeSpot({ seq: 0 }), { ...free, seq: 0, reason: "boot" }).outcome).toBe("duplicate");
  });

  it("drops a lower seq as stale, even when its clock is newer, and says why", () => {
    const r = report(prev, { ...occupied, seq: 9, ts: 9_000 });
    expect(r.outcome).toBe("stale");
    expect(r.outcome !== "accepted" && r.why).toBe("seq 9 arrived after seq 10 (sent earlier, or replayed)");
    // Not stored, but sent just now: the node is alive.
    expect(r.spot).toEqual({ ...prev, lastSeen: 5_000 });
    expect(r.change).toBeNull();
  });

  it("accepts a higher seq, even when its clock is older", () => {
    expect(report(prev, { ...occupied, seq: 11, ts: 1 }).outcome).toBe("accepted");
  });

  it("accepts a lower seq from a node that says it booted", () => {
    const r = report(prev, { ...occupied, seq: 0, reason: "boot" });
    expect(r.outcome).toBe("accepted");
    expect(r.spot.seq).toBe(0);
  });

  it("treats a fall of up to 1000 as stale and a bigger one as a silent restart", () => {
    const high = makeSpot({ seq: 5_000 });
    expect(report(high, { ...occupied, seq: 4_000 }).outcome).toBe("stale");
    expect(report(high, { ...occupied, seq: 3_999 }).outcome).toBe("accepted");
  });

  it("then follows the restarted counter", () => {
    const r = report(makeSpot({ seq: 5_000 }), { ...occupied, seq: 2 });
    expect(report(r.spot, { ...free, seq: 3 }).outcome).toBe("accepted");
    expect(report(r.spot, { ...free, seq: 1 }).outcome).toBe("stale");
  });
});

describe("applyReport, ordering by the node's clock", () => {
  const prev = makeSpot({ reportedAt: 4_000, confidence: 0.9, distanceCm: 180 });

  it("drops a report measured before the last one as stale, and keeps its node alive", () => {
    const r = report(prev, { ...occupied, ts: 3_999 });
    expect(r.outcome).toBe("stale");
    expect(r.spot).toEqual({ ...prev, lastSeen: 5_000 });
    expect(r.outcome !== "accepted" && r.why).toBe(
      "measured at 1970-01-01T00:00:03.999Z, before the last report (1970-01-01T00:00:04.000Z)",
    );
  });

  it("drops the same report seen twice as a duplicate", () => {
    expect(report(prev, { ...free, ts: 4_000 }).outcome).toBe("duplicate");
  });

  it("accepts a different report with the same clock", () => {
    expect(report(prev, { ...occupied, ts: 4_000 }).outcome).toBe("accepted");
    expect(report(prev, { ...free, ts: 4_000, batteryV: 3.1 }).outcome).toBe("accepted");
  });

  it("accepts a newer report", () => {
    expect(report(prev, { ...free, ts: 4_001 }).outcome).toBe("accepted");
  });

  it("accepts an older clock from a node that says it booted", () => {
    const r = report(prev, { ...free, ts: 10, reason: "boot" });
    expect(r.outcome).toBe("accepted");
    expect(r.spot.reportedAt).toBe(10);
  });

  it("uses the clock when only one side has a seq", () => {
    expect(report(prev, { ...free, seq: 1, ts: 3_000 }).outcome).toBe("stale");
    expect(report(makeSpot({ seq: 7, reportedAt: 4_000 }), { ...free, ts: 3_000 }).outcome).toBe("stale");
  });

  it("accepts every report when neither seq nor clock can order it", () => {
    expect(report(prev, free).outcome).toBe("accepted");
    expect(report(makeSpot(), { ...free, ts: 1 }).outcome).toBe("accepted");
  });
});

describe("applyReport, accepted reports", () => {
  it("updates the measurement and lastSeen but not lastChange when the state stays", () => {
    const prev = makeSpot({ confidence: 0.5, distanceCm: 170, lastSeen: 2_000, lastChange: 1_000 });
    const r = report(prev, { status: "free", confidence: 0.95, distanceCm: 190, seq: 4, ts: 4_900 });
    expect(r).toEqual({
      outcome: "accepted",
      spot: { ...prev, confidence: 0.95, distanceCm: 190, seq: 4, reportedAt: 4_900, lastSeen: 5_000 },
      change: null,
    });
  });

  it("produces a change with the previous state when the state moves", () => {
    const r = report(makeSpot({ lastChange: 1_000 }), { ...occupied, seq: 2 });
    expect(r.spot.lastChange).toBe(5_000);
    expect(r.outcome === "accepted" && r.change).toMatchObject({
      ts: 5_000,
      state: "occupied",
      previous: "free",
      confidence: 0.8,
      distanceCm: 40,
      seq: 2,
    });
  });

  it("keeps the node's own time of the report behind a change, apart from the gateway's", () => {
    const late = report(makeSpot({ reportedAt: 1_200 }), { ...occupied, ts: 1_500 }, 9_000);
    expect(late.outcome === "accepted" && late.change).toMatchObject({ ts: 9_000, reportedAt: 1_500 });
  });

  it("gives a change from a report without a clock no node time, even if an earlier report had one", () => {
    const r = report(makeSpot({ reportedAt: 1_200 }), occupied);
    expect(r.outcome === "accepted" && r.change?.reportedAt).toBeNull();
  });

  it("brings an offline spot back online with a change even when the status is the same", () => {
    const r = report(makeSpot({ online: false }), free);
    expect(r.spot.online).toBe(true);
    expect(r.outcome === "accepted" && r.change).toMatchObject({ state: "free", previous: "offline" });
  });

  it("moves between unknown and a status", () => {
    const r = report(makeSpot({ status: "unknown" }), free);
    expect(r.outcome === "accepted" && r.change).toMatchObject({ state: "free", previous: "unknown" });
  });

  it("keeps the node's metadata when a report leaves it out", () => {
    const prev = makeSpot({ fw: "1.0", rssi: -70, batteryV: 3.6 });
    expect(report(prev, free).spot).toMatchObject({ fw: "1.0", rssi: -70, batteryV: 3.6 });
    expect(report(prev, { ...free, fw: "1.1", rssi: -50, batteryV: 3.2 }).spot).toMatchObject({
      fw: "1.1",
      rssi: -50,
      batteryV: 3.2,
    });
  });

  it("clears the distance when a report has none, since it belongs to one measurement", () => {
    expect(
      report(makeSpot({ distanceCm: 180 }), { status: "unknown", confidence: 0 }).spot.distanceCm,
    ).toBeNull();
  });
});

describe("applyAvailability", () => {
  const avail = (prev: Spot | undefined, online: boolean) =>
    applyAvailability(prev && deepFreeze(prev), "A", "1", online, 7_000, "mqtt");

  it("creates an unheard-of spot as offline from its last will", () => {
    const { spot, change } = avail(undefined, false);
    expect(spot).toMatchObject({
      status: "unknown",
      online: false,
      confidence: 0,
      seq: null,
      lastChange: 7_000,
    });
    expect(change).toMatchObject({
      ts: 7_000,
      zone: "A",
      spot: "1",
      state: "offline",
      previous: null,
      reportedAt: null,
    });
  });

  it("creates an unheard-of spot as unknown and online", () => {
    const { spot, change } = avail(undefined, true);
    expect(spot).toMatchObject({ status: "unknown", online: true, confidence: 0, lastSeen: 7_000 });
    expect(change).toMatchObject({ state: "unknown", previous: null, source: "mqtt" });
  });

  it("takes an online spot offline without claiming it was seen", () => {
    const prev = makeSpot({ status: "occupied", lastSeen: 2_000, reportedAt: 1_900 });
    const { spot, change } = avail(prev, false);
    expect(spot).toMatchObject({
      online: false,
      status: "occupied",
      lastSeen: 2_000,
      lastChange: 7_000,
      reportedAt: 1_900,
    });
    expect(change).toMatchObject({ ts: 7_000, state: "offline", previous: "occupied", reportedAt: null });
  });

  it("brings an offline spot back with its last status and marks it seen", () => {
    const { spot, change } = avail(makeSpot({ status: "occupied", online: false, reportedAt: 1_900 }), true);
    expect(spot).toMatchObject({ online: true, lastSeen: 7_000, lastChange: 7_000 });
    expect(change).toMatchObject({ state: "occupied", previous: "offline", reportedAt: null });
  });

  it("only refreshes lastSeen when an online spot says online again", () => {
    const prev = makeSpot({ lastSeen: 2_000, lastChange: 1_000 });
    expect(avail(prev, true)).toEqual({ spot: { ...prev, lastSeen: 7_000 }, change: null });
  });

  it("changes nothing when an offline spot says offline again", () => {
    const prev = makeSpot({ online: false, lastSeen: 2_000 });
    expect(avail(prev, false)).toEqual({ spot: prev, change: null });
  });
});

describe("applyReport, a node clock ahead of the gateway's", () => {
  const NOW = Date.UTC(2026, 11, 6, 12);
  it("believes a clock up to five minutes ahead, and orders by arrival beyond that", () => {
    expect(report(undefined, { ...free, ts: NOW + MAX_CLOCK_AHEAD_MS }, NOW).spot.reportedAt).toBe(
      NOW + MAX_CLOCK_AHEAD_MS,
    );
    expect(report(undefined, { ...free, ts: NOW + MAX_CLOCK_AHEAD_MS + 1 }, NOW).spot.reportedAt).toBe(NOW);
    expect(report(undefined, free, NOW).spot.reportedAt).toBeNull();
  });

  it("never freezes a spot after a report stamped in 2999", () => {
    const future = report(undefined, { ...occupied, ts: Date.UTC(2999, 0, 1) }, NOW);
    expect(future.outcome).toBe("accepted");
    const next = report(future.spot, { ...free, ts: NOW + 30_000 }, NOW + 30_000);
    expect(next.outcome).toBe("accepted");
    expect(next.spot.status).toBe("free");
  });

  it("follows a node clock an hour ahead that is put right", () => {
    const ahead = report(undefined, { ...occupied, ts: NOW + 3_600_000 }, NOW);
    const corrected = report(ahead.spot, { ...free, ts: NOW + 60_000 }, NOW + 60_000);
    expect(corrected.outcome).toBe("accepted");
  });

  it("brings a spot that went offline back when a stale report proves its node alive", () => {
    const offline = makeSpot({ reportedAt: 4_000, online: false, status: "free" });
    const r = report(offline, { ...free, ts: 3_000 }, 9_000);
    expect(r.outcome).toBe("stale");
    expect(r.spot).toMatchObject({ online: true, lastSeen: 9_000, status: "free", reportedAt: 4_000 });
    expect(r.change).toMatchObject({ state: "free", previous: "offline", ts: 9_000 });
  });
});

describe("staleSpots", () => {
  const spots = deepFreeze([
    makeSpot({ spot: "quiet", status: "occupied", lastSeen: 1_000, reportedAt: 900 }),
    makeSpot({ spot: "edge", lastSeen: 10_000 }),
    makeSpot({ spot: "fresh", lastSeen: 50_000 }),
    makeSpot({ spot: "gone", online: false, lastSeen: 0 }),
  ]);

  it("takes offline the online spots not heard from for longer than the timeout", () => {
    const result = staleSpots(spots, 100_000, 90_000, "serial");
    expect(result).toHaveLength(1);
    expect(result[0]?.spot).toEqual({ ...spots[0], online: false, lastChange: 100_000 });
    expect(result[0]?.change).toMatchObject({
      ts: 100_000,
      spot: "quiet",
      state: "offline",
      previous: "occupied",
      reportedAt: null,
      source: "serial",
    });
  });

  it("leaves a spot heard exactly the timeout ago alone", () => {
    expect(staleSpots(spots, 100_000, 90_000, "mqtt").map((s) => s.spot.spot)).not.toContain("edge");
    expect(staleSpots(spots, 100_001, 90_000, "mqtt").map((s) => s.spot.spot)).toContain("edge");
  });

  it("finds nothing when every spot is fresh", () => {
    expect(staleSpots(spots, 50_000, 90_000, "mqtt")).toEqual([]);
  });
});

describe("applyReport over a shuffled stream with repeats", () => {
  const reportArb = fc.record({
    // Within 1000 of each other, so no lower seq looks like a restart.
    seq: fc.integer({ min: 0, max: 1_000 }),
    status: fc.constantFrom("free", "occupied", "unknown"),
    confidence: fc.double({ min: 0, max: 1, noNaN: true }),
    distanceCm: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
    reason: fc.option(fc.constantFrom("change", "heartbeat"), { nil: undefined }),
  }) satisfies fc.Arbitrary<SpotReport>;
  const streamArb = fc
    .uniqueArray(reportArb, { selector: (r) => r.seq, minLength: 1, maxLength: 20 })
    .chain((reports) => fc.array(fc.constantFrom(...reports), { minLength: 1, maxLength: 60 }));

  function run(stream: SpotReport[]): { spot: Spot | undefined; changes: ChangeEvent[] } {
    let spot: Spot | undefined;
    const changes: ChangeEvent[] = [];
    stream.forEach((r, i) => {
      const result = applyReport(spot, "A", "1", r, i, "mqtt");
      if (result.outcome === "accepted" && result.change) changes.push(result.change);
      spot = result.spot;
    });
    return { spot, changes };
  }

  it("ends in the state of the highest seq", () => {
    fc.assert(
      fc.property(streamArb, (stream) => {
        const last = stream.reduce((a, b) => (b.seq > a.seq ? b : a));
        expect(run(stream).spot).toMatchObject({
          status: last.status,
          online: true,
          confidence: last.confidence,
          distanceCm: last.distanceCm ?? null,
          seq: last.seq,
        });
      }),
    );
  });

  it("emits changes that chain from nothing to the final state", () => {
    fc.assert(
      fc.property(streamArb, (stream) => {
        const { spot, changes } = run(stream);
        expect(changes[0]?.previous).toBeNull();
        changes.slice(1).forEach((c, i) => {
          expect(c.previous).toBe(changes[i]?.state);
          expect(c.state).not.toBe(c.previous);
        });
        expect(changes.at(-1)?.state).toBe(spot && spotState(spot));
      }),
    );
  });
});
