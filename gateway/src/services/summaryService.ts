import type { AlertState, LotSummary } from "../../../protocol/src/types.js";
import type { GatewayBus } from "../bus.js";
import type { StoreWriter } from "../ingest/writer.js";
import {
  type AlertLevels,
  type AlertThresholds,
  alertState,
  evaluateAlerts,
  INITIAL_LEVELS,
} from "../lot/alerts.js";
import type { Lot } from "../lot/lot.js";
import { countSpots, summarize } from "../lot/summary.js";
import { type AlertEvent, LOT_SCOPE } from "../lot/types.js";

export interface SummaryServiceOptions {
  lot: Lot;
  bus: GatewayBus;
  writer: StoreWriter;
  thresholds: AlertThresholds;
  /** At most one summary per interval, however fast spots change. */
  intervalMs: number;
  now?: () => number;
}

/**
 * Keeps the lot summary and alert levels current. Changes are coalesced: a burst of spot
 * changes yields one summary at the end of the interval, never one per change.
 */
export class SummaryService {
  private levels: AlertLevels = INITIAL_LEVELS;
  private timer: NodeJS.Timeout | null = null;
  private lastRun = 0;
  private readonly now: () => number;

  constructor(private readonly options: SummaryServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Starts from the levels last stored, so a restart neither repeats nor forgets an alert. */
  start(storedLevels: AlertLevels): void {
    this.levels = storedLevels;
    this.options.bus.on(this, "spotChanged", () => this.markDirty());
    this.run();
  }

  stop(): void {
    this.options.bus.removeAll(this);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** A fresh summary of the lot as it is now, with the current alert levels. */
  summary(): LotSummary {
    return summarize(countSpots(this.options.lot.values()), this.levels, this.now());
  }

  alertState(): AlertState {
    return alertState(this.levels, countSpots(this.options.lot.values()), this.now());
  }

  markDirty(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastRun + this.options.intervalMs - this.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.run();
    }, wait);
  }

  private run(): void {
    const { lot, bus, writer, thresholds } = this.options;
    const now = this.now();
    this.lastRun = now;
    const counts = countSpots(lot.values());
    const evaluated = evaluateAlerts(this.levels, counts, thresholds, now);
    this.levels = evaluated.levels;
    bus.emit("summary", summarize(counts, this.levels, now));
    if (evaluated.events.length === 0) return;
    const state = alertState(this.levels, counts, now);
    writer.add({ alerts: evaluated.events }, () => {
      for (const event of evaluated.events) bus.emit("alert", { event, state });
    });
  }
}

/** The level each scope was left at, from stored transitions (newest first). */
export function levelsFromHistory(history: AlertEvent[]): AlertLevels {
  let lot = INITIAL_LEVELS.lot;
  let lotSeen = false;
  const zones: Record<string, AlertEvent["level"]> = {};
  for (const event of history) {
    if (event.scope === LOT_SCOPE) {
      if (!lotSeen) lot = event.level;
      lotSeen = true;
    } else if (!Object.hasOwn(zones, event.scope)) {
      zones[event.scope] = event.level;
    }
  }
  return { lot, zones };
}
