import type { Logger } from "pino";
import type { AlertEvent, ChangeEvent, OccupancySample, Spot } from "../lot/types.js";
import type { Store, WriteBatch } from "../store/types.js";

interface Pending {
  spots: Map<string, Spot>;
  events: ChangeEvent[];
  alerts: AlertEvent[];
  samples: OccupancySample[];
  /** Run in order once the batch is committed: PUBACKs, then notifications. */
  afterCommit: Array<() => void>;
}

export interface WriterStats {
  commits: number;
  committedRows: number;
  failures: number;
  /** Duration of the last successful commit, ms. */
  lastCommitMs: number;
  lastError: string | null;
}

/** Told of every successful commit: its duration in seconds and the rows it wrote. */
export type CommitObserver = (seconds: number, rows: number) => void;

export interface WriteItem {
  spot?: Spot;
  event?: ChangeEvent;
  alerts?: AlertEvent[];
  samples?: OccupancySample[];
}

function emptyPending(): Pending {
  return { spots: new Map(), events: [], alerts: [], samples: [], afterCommit: [] };
}

function isEmpty(p: Pending): boolean {
  return (
    p.afterCommit.length === 0 &&
    p.spots.size === 0 &&
    p.events.length === 0 &&
    p.alerts.length === 0 &&
    p.samples.length === 0
  );
}

/**
 * Group commit: everything that arrives while a transaction runs goes into the next one, so
 * a quiet lot commits each report at once and a busy one commits thousands per transaction.
 * A failed commit is retried, in order, until it succeeds: nothing is acknowledged before
 * it is stored, and nothing is dropped while the database is unavailable.
 */
export class StoreWriter {
  readonly stats: WriterStats = {
    commits: 0,
    committedRows: 0,
    failures: 0,
    lastCommitMs: 0,
    lastError: null,
  };
  private next = emptyPending();
  private running = false;
  private idleWaiters: Array<() => void> = [];
  private lastFailureLog = 0;
  private commitObserver: CommitObserver | null = null;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly retryMs = 1_000,
  ) {}

  /** Queues an item; `after` runs once it is durable (for PUBACKs and live notifications). */
  add(item: WriteItem, after?: () => void): void {
    const p = this.next;
    if (item.spot) p.spots.set(`${item.spot.zone}/${item.spot.spot}`, item.spot);
    if (item.event) p.events.push(item.event);
    if (item.alerts) p.alerts.push(...item.alerts);
    if (item.samples) p.samples.push(...item.samples);
    if (after) p.afterCommit.push(after);
    this.schedule();
  }

  /** Reports every commit as it happens, so /metrics can keep a latency histogram that a last value cannot give. */
  onCommit(observer: CommitObserver): void {
    this.commitObserver = observer;
  }

  /** Resolves once everything queued so far is committed. */
  flush(): Promise<void> {
    if (!this.running && isEmpty(this.next)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get pendingCount(): number {
    return this.next.afterCommit.length;
  }

  private schedule(): void {
    if (this.running) return;
    this.running = true;
    // setImmediate, not nextTick: lets a burst read from one socket chunk join the same batch.
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    while (!isEmpty(this.next)) {
      const batch = this.next;
      this.next = emptyPending();
      const started = performance.now();
      try {
        await this.store.commit(toWriteBatch(batch));
      } catch (error) {
        this.onFailure(batch, error);
        await new Promise((resolve) => setTimeout(resolve, this.retryMs));
        continue;
      }
      const rows = batch.events.length + batch.spots.size + batch.alerts.length + batch.samples.length;
      this.stats.commits += 1;
      this.stats.committedRows += rows;
      this.stats.lastCommitMs = performance.now() - started;
      this.stats.lastError = null;
      this.commitObserver?.(this.stats.lastCommitMs / 1000, rows);
      for (const after of batch.afterCommit) after();
    }
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private onFailure(batch: Pending, error: unknown): void {
    this.stats.failures += 1;
    this.stats.lastError = error instanceof Error ? error.message : String(error);
    // The failed batch goes back in front of what arrived since, keeping commit and ack order.
    const later = this.next;
    for (const [key, spot] of later.spots) batch.spots.set(key, spot);
    batch.events.push(...later.events);
    batch.alerts.push(...later.alerts);
    batch.samples.push(...later.samples);
    batch.afterCommit.push(...later.afterCommit);
    this.next = batch;
    const now = Date.now();
    if (now - this.lastFailureLog > 10_000) {
      this.lastFailureLog = now;
      this.logger.error(
        { err: error, waiting: batch.afterCommit.length },
        `cannot write to the database (${this.stats.lastError}); retrying, nothing is acknowledged until it succeeds`,
      );
    }
  }
}

function toWriteBatch(p: Pending): WriteBatch {
  return { spots: [...p.spots.values()], events: p.events, alerts: p.alerts, samples: p.samples };
}
