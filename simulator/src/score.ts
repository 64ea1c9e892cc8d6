import type { TruthLine } from "./truth.js";

/** One change of a spot's state as the gateway recorded it, on the simulated clock. */
export interface Observation {
  t: number;
  zone: string;
  spot: string;
  state: string;
}

export interface RunScore {
  spots: number;
  /** Scored window on the simulated clock. */
  fromMs: number;
  toMs: number;
  /** Share of spot-time where the gateway's state (free/occupied) matched the truth. */
  agreement: number;
  arrivals: number;
  /** Arrivals the gateway never showed before the car left. */
  missed: number;
  /** Arrival to the gateway showing the spot occupied, simulated ms. */
  latencyMs: { p50: number; p95: number; max: number };
  /** The same in the node's measurement cycles. */
  latencyCycles: { p50: number; p95: number };
  cycleMs: number;
}

/**
 * Scores what the gateway saw against what happened. The window opens one measurement cycle
 * after the start, when every node has measured once, and closes at the end line. Spots that
 * ran the real firmware are left out: they run on the real clock, not the simulated one.
 * Arrivals in the last two cycles are not scored for latency: they could not have been seen yet.
 */
export function scoreRun(truth: TruthLine[], observed: Observation[]): RunScore {
  const start = truth.find((l) => l.type === "start");
  if (start === undefined) throw new Error("the truth file has no start line");
  const cycleMs = Number(start.cycle_ms);
  const end = truth.find((l) => l.type === "end");
  const fromMs = start.t + cycleMs;
  const toMs = end?.t ?? Math.max(...truth.map((l) => l.t));
  const excluded = new Set(
    ((start.firmware_spots as Array<{ zone: string; spot: string }> | undefined) ?? []).map((s) =>
      key(s.zone, s.spot),
    ),
  );
  const spotKeys: string[] = [];
  for (const z of start.zones as Array<{ zone: string; spots: string[] }>) {
    for (const s of z.spots) if (!excluded.has(key(z.zone, s))) spotKeys.push(key(z.zone, s));
  }
  const truthBySpot = new Map<string, Array<{ t: number; occupied: boolean }>>();
  for (const line of truth) {
    if (line.type !== "arrival" && line.type !== "departure") continue;
    const k = key(String(line.zone), String(line.spot));
    const list = truthBySpot.get(k) ?? [];
    truthBySpot.set(k, list);
    list.push({ t: line.t, occupied: line.type === "arrival" });
  }
  const seenBySpot = new Map<string, Observation[]>();
  for (const o of observed) {
    const k = key(o.zone, o.spot);
    const list = seenBySpot.get(k) ?? [];
    seenBySpot.set(k, list);
    list.push(o);
  }

  let matched = 0;
  let total = 0;
  const latencies: number[] = [];
  let arrivals = 0;
  let missed = 0;
  for (const k of spotKeys) {
    const actual = (truthBySpot.get(k) ?? []).sort((a, b) => a.t - b.t);
    const seen = (seenBySpot.get(k) ?? []).slice().sort((a, b) => a.t - b.t);
    // Merge both step functions over the window.
    const times = new Set<number>([fromMs, toMs]);
    for (const e of actual) if (e.t > fromMs && e.t < toMs) times.add(e.t);
    for (const o of seen) if (o.t > fromMs && o.t < toMs) times.add(o.t);
    const cuts = [...times].sort((a, b) => a - b);
    // Both lists and the cuts are in time order: walk them together.
    let ai = 0;
    let si = 0;
    let isOccupied = false;
    let state = "unknown";
    for (let i = 0; i + 1 < cuts.length; i++) {
      const a = cuts[i] as number;
      const b = cuts[i + 1] as number;
      while (ai < actual.length && (actual[ai] as { t: number }).t <= a)
        isOccupied = (actual[ai++] as { occupied: boolean }).occupied;
      while (si < seen.length && (seen[si] as Observation).t <= a) state = (seen[si++] as Observation).state;
      total += b - a;
      if ((isOccupied && state === "occupied") || (!isOccupied && state === "free")) matched += b - a;
    }
    for (const [i, e] of actual.entries()) {
      if (!e.occupied || e.t < fromMs || e.t > toMs - 2 * cycleMs) continue;
      arrivals += 1;
      const leaves = actual.slice(i + 1).find((x) => !x.occupied)?.t ?? Number.POSITIVE_INFINITY;
      if (seenAt(seen, e.t) === "occupied") {
        latencies.push(0);
        continue;
      }
      const shown = seen.find((o) => o.t >= e.t && o.state === "occupied");
      if (shown === undefined || shown.t > leaves) missed += 1;
      else latencies.push(shown.t - e.t);
    }
  }
  latencies.sort((a, b) => a - b);
  // A missed arrival counts as never seen: it sits above every latency in the percentiles.
  const ranked = [...latencies, ...new Array<number>(missed).fill(Number.POSITIVE_INFINITY)];
  const p = (q: number): number =>
    ranked.length === 0 ? 0 : (ranked[Math.min(ranked.length - 1, Math.ceil(q * ranked.length) - 1)] ?? 0);
  return {
    spots: spotKeys.length,
    fromMs,
    toMs,
    agreement: total > 0 ? matched / total : 0,
    arrivals,
    missed,
    latencyMs: { p50: p(0.5), p95: p(0.95), max: latencies[latencies.length - 1] ?? 0 },
    latencyCycles: { p50: p(0.5) / cycleMs, p95: p(0.95) / cycleMs },
    cycleMs,
  };
}

function key(zone: string, spot: string): string {
  return `${zone}/${spot}`;
}

function seenAt(seen: Observation[], t: number): string {
  let state = "unknown";
  for (const o of seen) {
    if (o.t > t) break;
    state = o.state;
  }
  return state;
}

interface HistoryEvent {
  timestamp: string;
  reported_at: string | null;
  zone: string;
  spot: string;
  state: string;
}

/**
 * Every change a gateway stored (GET /api/history, all pages), on the simulated clock: the
 * node's own time (`reported_at`) where a report caused the change, else the gateway's time
 * mapped back through the run's start line (availability and offline timeouts).
 */
export async function fetchObservations(baseUrl: string, truth: TruthLine[]): Promise<Observation[]> {
  const start = truth.find((l) => l.type === "start");
  if (start === undefined) throw new Error("the truth file has no start line");
  const toSim = (realMs: number): number => start.t + (realMs - Number(start.real)) * Number(start.speed);
  const out: Observation[] = [];
  let cursor: string | null = null;
  do {
    const url = new URL("/api/history", baseUrl);
    url.searchParams.set("limit", "10000");
    if (cursor !== null) url.searchParams.set("cursor", cursor);
    const response = await fetch(url);
    if (!response.ok)
      throw new Error(`GET /api/history answered ${response.status}: ${await response.text()}`);
    const page = (await response.json()) as { events: HistoryEvent[]; next_cursor: string | null };
    for (const e of page.events) {
      const t = e.reported_at === null ? toSim(Date.parse(e.timestamp)) : Date.parse(e.reported_at);
      out.push({ t, zone: e.zone, spot: e.spot, state: e.state });
    }
    cursor = page.next_cursor;
  } while (cursor !== null);
  return out;
}
