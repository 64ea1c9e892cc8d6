import type { SpotReport } from "../../../protocol/src/types.js";
import type { ChangeEvent, ChangeSource, IngestSource, Spot, SpotState } from "./types.js";

export type ReportOutcome =
  | { outcome: "accepted"; spot: Spot; change: ChangeEvent | null }
  /**
   * The report was dropped, for the reason `why` says. A duplicate leaves the previous spot as
   * it was. A stale report was still sent by a node that is alive now: `spot` is the previous
   * one with last_seen refreshed (and back online, with `change`, if it had gone offline).
   */
  | { outcome: "duplicate" | "stale"; spot: Spot; change: ChangeEvent | null; why: string };

/** A spot after one message, and its change event when its SpotState moved. */
export interface SpotUpdate {
  spot: Spot;
  change: ChangeEvent | null;
}

/** A node counter that goes back by more than this restarted without saying so: trust it again. */
const SEQ_RESTART_GAP = 1000;

/**
 * A node clock this far ahead of the gateway's is not believed. One report stamped in the
 * future (2999, or a node clock an hour ahead that is corrected later: the original nodes send
 * naive local time) would otherwise make every later report look older, and be dropped as
 * stale, until that future came. Such a report is ordered by when it arrived instead.
 */
export const MAX_CLOCK_AHEAD_MS = 5 * 60_000;

export function spotState(spot: Spot): SpotState {
  return spot.online ? spot.status : "offline";
}

export function applyReport(
  prev: Spot | undefined,
  zone: string,
  spotId: string,
  report: SpotReport,
  receivedAt: number,
  source: IngestSource,
): ReportOutcome {
  const next: Spot = {
    zone,
    spot: spotId,
    status: report.status,
    online: true,
    confidence: report.confidence,
    // A distance belongs to one measurement, so a report without one clears it.
    distanceCm: report.distanceCm ?? null,
    seq: report.seq ?? null,
    reportedAt:
      report.ts === undefined ? null : report.ts > receivedAt + MAX_CLOCK_AHEAD_MS ? receivedAt : report.ts,
    lastSeen: receivedAt,
    lastChange: receivedAt,
    // Nodes send their metadata only now and then, so a report without it keeps what we knew.
    fw: report.fw ?? prev?.fw ?? null,
    rssi: report.rssi ?? prev?.rssi ?? null,
    batteryV: report.batteryV ?? prev?.batteryV ?? null,
  };
  if (prev === undefined) {
    return {
      outcome: "accepted",
      spot: next,
      change: changeOf(next, null, receivedAt, next.reportedAt, source),
    };
  }
  const order = ordering(prev, next, report.reason === "boot");
  if (order.outcome === "duplicate")
    return { outcome: "duplicate", spot: prev, change: null, why: order.why };
  if (order.outcome === "stale") {
    const alive: Spot = { ...prev, online: true, lastSeen: receivedAt };
    return { outcome: "stale", ...transition(prev, alive, receivedAt, null, source), why: order.why };
  }
  return { outcome: "accepted", ...transition(prev, next, receivedAt, next.reportedAt, source) };
}

type Ordering = { outcome: "accepted" } | { outcome: "duplicate" | "stale"; why: string };

/** Whether a report is news, judged by the node's counter if both sides have one, else by its clock. */
function ordering(prev: Spot, next: Spot, boot: boolean): Ordering {
  if (prev.seq !== null && next.seq !== null) {
    if (next.seq === prev.seq) return { outcome: "duplicate", why: `seq ${next.seq} was seen already` };
    if (next.seq < prev.seq && !boot && prev.seq - next.seq <= SEQ_RESTART_GAP) {
      return {
        outcome: "stale",
        why: `seq ${next.seq} arrived after seq ${prev.seq} (sent earlier, or replayed)`,
      };
    }
    return { outcome: "accepted" };
  }
  if (prev.reportedAt === null || next.reportedAt === null) return { outcome: "accepted" };
  if (next.reportedAt === prev.reportedAt && sameContent(prev, next)) {
    return { outcome: "duplicate", why: "the same report was seen already" };
  }
  // A node without a real-time clock restarts at its epoch; its boot report starts a new timeline.
  if (next.reportedAt < prev.reportedAt && !boot) {
    return {
      outcome: "stale",
      why: `measured at ${when(next.reportedAt)}, before the last report (${when(prev.reportedAt)})`,
    };
  }
  return { outcome: "accepted" };
}

function when(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${ms} ms` : date.toISOString();
}

function sameContent(a: Spot, b: Spot): boolean {
  return (
    a.status === b.status &&
    a.confidence === b.confidence &&
    a.distanceCm === b.distanceCm &&
    a.seq === b.seq &&
    a.fw === b.fw &&
    a.rssi === b.rssi &&
    a.batteryV === b.batteryV
  );
}

export function applyAvailability(
  prev: Spot | undefined,
  zone: string,
  spotId: string,
  online: boolean,
  at: number,
  source: IngestSource,
): SpotUpdate {
  if (prev === undefined) {
    const spot: Spot = {
      zone,
      spot: spotId,
      status: "unknown",
      online,
      confidence: 0,
      distanceCm: null,
      seq: null,
      reportedAt: null,
      lastSeen: at,
      lastChange: at,
      fw: null,
      rssi: null,
      batteryV: null,
    };
    return { spot, change: changeOf(spot, null, at, null, source) };
  }
  // A last will says the connection dropped, not that the node was alive at `at`.
  const next = online ? { ...prev, online, lastSeen: at } : { ...prev, online };
  // The spot keeps its last report's clock, but no node observed this change at that time.
  return transition(prev, next, at, null, source);
}

export function staleSpots(
  spots: Iterable<Spot>,
  now: number,
  offlineAfterMs: number,
  source: ChangeSource,
): Array<{ spot: Spot; change: ChangeEvent }> {
  const gone: Array<{ spot: Spot; change: ChangeEvent }> = [];
  for (const prev of spots) {
    if (!prev.online || now - prev.lastSeen <= offlineAfterMs) continue;
    const spot: Spot = { ...prev, online: false, lastChange: now };
    gone.push({ spot, change: changeOf(spot, spotState(prev), now, null, source) });
  }
  return gone;
}

function transition(
  prev: Spot,
  next: Spot,
  at: number,
  reportedAt: number | null,
  source: ChangeSource,
): SpotUpdate {
  const before = spotState(prev);
  if (spotState(next) === before) return { spot: { ...next, lastChange: prev.lastChange }, change: null };
  const spot = { ...next, lastChange: at };
  return { spot, change: changeOf(spot, before, at, reportedAt, source) };
}

function changeOf(
  spot: Spot,
  previous: SpotState | null,
  ts: number,
  reportedAt: number | null,
  source: ChangeSource,
): ChangeEvent {
  return {
    ts,
    zone: spot.zone,
    spot: spot.spot,
    state: spotState(spot),
    previous,
    confidence: spot.confidence,
    distanceCm: spot.distanceCm,
    seq: spot.seq,
    reportedAt,
    source,
  };
}
