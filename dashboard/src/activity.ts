import type { SpotChange } from "./lot.js";
import type { HistoryEvent, SpotState } from "./types.js";

export interface ActivityEntry {
  /** Epoch ms of the change. */
  time: number;
  zone: string;
  spot: string;
  state: SpotState;
  previous: SpotState | null;
}

export const ACTIVITY_SIZE = 100;

/** The last changes, a fixed-size ring: pushing never grows memory or copies the list. */
export class ActivityLog {
  private readonly ring: Array<ActivityEntry | undefined>;
  private next = 0;
  private count = 0;

  constructor(readonly capacity = ACTIVITY_SIZE) {
    this.ring = new Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(entry: ActivityEntry): void {
    this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** Starts again from a list given newest first, as `/api/history` returns it. */
  replace(newestFirst: readonly ActivityEntry[]): void {
    this.ring.fill(undefined);
    this.next = 0;
    this.count = 0;
    const kept = newestFirst.slice(0, this.capacity);
    for (let i = kept.length - 1; i >= 0; i--) this.push(kept[i] as ActivityEntry);
  }

  /** The newest `limit` entries, newest first. */
  newest(limit = this.count): ActivityEntry[] {
    const out: ActivityEntry[] = [];
    const n = Math.min(limit, this.count);
    for (let i = 1; i <= n; i++) {
      out.push(this.ring[(this.next - i + this.capacity) % this.capacity] as ActivityEntry);
    }
    return out;
  }
}

export function entryFromHistory(event: HistoryEvent): ActivityEntry {
  return {
    time: Date.parse(event.timestamp),
    zone: event.zone,
    spot: event.spot,
    state: event.state,
    previous: event.previous,
  };
}

/** Null when the page already had the spot in that state (a change it saw in a resync). */
export function entryFromChange(change: SpotChange, now: number): ActivityEntry | null {
  if (change.previous === change.spot.state) return null;
  const at = change.spot.last_change === null ? Number.NaN : Date.parse(change.spot.last_change);
  return {
    time: Number.isFinite(at) ? at : now,
    zone: change.spot.zone,
    spot: change.spot.spot,
    state: change.spot.state,
    previous: change.previous,
  };
}
