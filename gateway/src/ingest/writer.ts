import type { Logger } from "pino";
import type { AlertEvent, ChangeEvent, OccupancySample, Spot } from "../lot/types.js";
import { fileErrorReason } from "../store/fileErrors.js";
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
  /** Why the last commit failed, in words (e.g. "no space left on the device"); null once one succeeds. */
  lastError: string | null;
  /** Epoch ms of the first failure of the current run of failures; null while commits succeed. */
  failingSince: number | null;
}

export interface WriterOptions {
  /** First wait after a failed commit, ms; it doubles with each further failure. Default 1 000. */
  retryMs?: number;
  /** Longest wait between attempts, ms, so space coming back is noticed soon. Default 8 000. */
  maxRetryMs?: number;
  /** What the log calls the database, e.g. "the database ./data/parking.db". */
  database?: string;
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
 * A failed commit is retried, in order, until it succeeds, with a back-off from retryMs to
 * maxRetryMs: nothing is acknowledged before it is stored, and nothing is dropped while the
 * database is full, read-only or gone. Unacknowledged MQTT messages stay bounded by the broker's
 * in-flight window (receive maximum), and the broker redelivers them if the gateway dies.
 */
export class StoreWriter {
  readonly stats: WriterStats = {
    commits: 0,
    committedRows: 0,
    failures: 0,
    lastCommitMs: 0,
    lastError: null,
    failingSince: null,
  };
  private next = emptyPending();
  private running = false;
  private idleWaiters: Array<() => void> = [];
  private lastFailureLog = 0;
  private commitObserver: CommitObserver | null = null;
  private consecutiveFailures = 0;
  private abandoned = false;
  private wakeRetry: (() => void) | null = null;
  private readonly retryMs: number;
  private readonly maxRetryMs: number;
  private readonly database: string;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    options: WriterOptions = {},
  ) {
    this.retryMs = options.retryMs ?? 1_000;
    this.maxRetryMs = Math.max(this.retryMs, options.maxRetryMs ?? 8_000);
    this.database = options.database ?? "the database";
  }

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
    // An abandoned writer commits nothing more; waiting for it would be waiting for ever.
    if (this.abandoned || (!this.running && isEmpty(this.next))) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * As flush, but gives up after `ms`: true once everything queued is committed, false if the
   * database still cannot be written by then (a shutdown must not wait for a disk forever).
   */
  async flushWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    try {
      return await Promise.race([this.flush().then(() => true as const), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Stops retrying and drops what waits, unacknowledged, returning how many messages that is: for
   * a shutdown that gave up on the database. The broker keeps unacknowledged MQTT messages for
   * the gateway's session and delivers them again at the next start.
   */
  abandon(): number {
    this.abandoned = true;
    const dropped = this.next.afterCommit.length;
    this.next = emptyPending();
    this.wakeRetry?.();
    return dropped;
  }

  get pendingCount(): number {
    return this.next.afterCommit.length;
  }

  private schedule(): void {
    if (this.running || this.abandoned) return;
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
        if (this.abandoned) break;
        const delay = this.onFailure(batch, error);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wakeRetry = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeRetry = null;
        if (this.abandoned) {
          this.next = emptyPending();
          break;
        }
        continue;
      }
      const rows = batch.events.length + batch.spots.size + batch.alerts.length + batch.samples.length;
      this.stats.commits += 1;
      this.stats.committedRows += rows;
      this.stats.lastCommitMs = performance.now() - started;
      if (this.consecutiveFailures > 0) this.onRecovery(batch.afterCommit.length);
      this.commitObserver?.(this.stats.lastCommitMs / 1000, rows);
      for (const after of batch.afterCommit) after();
    }
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Puts the batch back and says how long to wait before the next attempt. */
  private onFailure(batch: Pending, error: unknown): number {
    this.stats.failures += 1;
    this.consecutiveFailures += 1;
    this.stats.lastError = fileErrorReason(error);
    this.stats.failingSince ??= Date.now();
    // The failed batch goes back in front of what arrived since, keeping commit and ack order.
    const later = this.next;
    for (const [key, spot] of later.spots) batch.spots.set(key, spot);
    batch.events.push(...later.events);
    batch.alerts.push(...later.alerts);
    batch.samples.push(...later.samples);
    batch.afterCommit.push(...later.afterCommit);
    this.next = batch;
    const delay = Math.min(this.maxRetryMs, this.retryMs * 2 ** Math.min(this.consecutiveFailures - 1, 20));
    const now = Date.now();
    if (now - this.lastFailureLog > 10_000) {
      this.lastFailureLog = now;
      this.logger.error(
        { err: error, database: this.database, waiting: batch.afterCommit.length },
        `Cannot write to ${this.database}: ${this.stats.lastError}; ${waiting(batch.afterCommit.length)} unacknowledged; retrying in ${delay / 1000} s, backing off to every ${this.maxRetryMs / 1000} s.`,
      );
    }
    return delay;
  }

  private onRecovery(stored: number): void {
    const seconds = Math.round((Date.now() - (this.stats.failingSince ?? Date.now())) / 100) / 10;
    this.logger.warn(
      { database: this.database, failedAttempts: this.consecutiveFailures, stored },
      `${this.database.charAt(0).toUpperCase()}${this.database.slice(1)} is writable again after ${seconds} s and ${this.consecutiveFailures} failed commits; the ${stored} waiting messages are stored.`,
    );
    this.consecutiveFailures = 0;
    this.stats.lastError = null;
    this.stats.failingSince = null;
    this.lastFailureLog = 0;
  }
}

/** "1 message waits", "3 messages wait". */
export function waiting(n: number): string {
  return n === 1 ? "1 message waits" : `${n} messages wait`;
}

function toWriteBatch(p: Pending): WriteBatch {
  return { spots: [...p.spots.values()], events: p.events, alerts: p.alerts, samples: p.samples };
}
