import type { Logger } from "pino";
import type { GatewayBus } from "../bus.js";
import type { StoreWriter } from "../ingest/writer.js";
import type { Lot } from "../lot/lot.js";
import { occupancySamples } from "../lot/samples.js";
import { staleSpots } from "../lot/spots.js";
import { countSpots } from "../lot/summary.js";
import type { Store } from "../store/types.js";

export interface MaintenanceOptions {
  lot: Lot;
  bus: GatewayBus;
  writer: StoreWriter;
  store: Store;
  logger: Logger;
  offlineAfterMs: number;
  sampleIntervalMs: number;
  retentionMs: number;
  sweepIntervalMs?: number;
  now?: () => number;
}

const HOUR_MS = 3_600_000;

/** The gateway's clockwork: silent spots go offline, occupancy is sampled, old history is pruned. */
export class Maintenance {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly startedAt: number;
  private readonly now: () => number;

  constructor(private readonly options: MaintenanceOptions) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  start(): void {
    const { options } = this;
    this.every(options.sweepIntervalMs ?? 5_000, () => this.sweep());
    this.every(options.sampleIntervalMs, () => this.sample());
    this.every(HOUR_MS, () => void this.prune());
    // The first prune after a minute, not an hour: a gateway restarted daily would never prune.
    this.timers.push(setTimeout(() => void this.prune(), 60_000).unref());
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.length = 0;
  }

  /** Marks silent spots offline. Not before the gateway itself has listened for a full timeout. */
  sweep(): void {
    const { lot, writer, bus, offlineAfterMs } = this.options;
    const now = this.now();
    if (now - this.startedAt < offlineAfterMs) return;
    for (const { spot, change } of staleSpots(lot.values(), now, offlineAfterMs, "timeout")) {
      lot.set(spot);
      writer.add({ spot, event: change }, () => bus.emit("spotChanged", { event: change, spot }));
    }
  }

  sample(): void {
    const { lot, writer } = this.options;
    if (lot.size === 0) return;
    writer.add({ samples: occupancySamples(countSpots(lot.values()), this.now()) });
  }

  async prune(): Promise<void> {
    const { store, logger, retentionMs } = this.options;
    try {
      const removed = await store.prune(this.now() - retentionMs);
      if (removed.events + removed.samples + removed.alerts > 0)
        logger.info(removed, "pruned history past retention");
    } catch (error) {
      logger.error({ err: error }, "pruning old history failed; will try again in an hour");
    }
  }

  private every(ms: number, fn: () => void): void {
    this.timers.push(setInterval(fn, ms).unref());
  }
}
