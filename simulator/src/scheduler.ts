/**
 * A discrete-event queue on the simulated clock: tasks run in time order, and tasks due at the
 * same instant run in the order they were scheduled, so a seeded run never depends on how a
 * heap happens to break ties.
 */
export class Scheduler {
  private readonly heap: Array<{ at: number; order: number; run: (at: number) => void }> = [];
  private order = 0;
  /** Simulated ms: the time of the task running now, or how far the last `runUntil` got. */
  now: number;

  constructor(startMs: number) {
    this.now = startMs;
  }

  get size(): number {
    return this.heap.length;
  }

  schedule(at: number, run: (at: number) => void): void {
    const entry = { at, order: this.order++, run };
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent];
      if (p === undefined || !before(entry, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  /** Simulated ms of the next task, Infinity when none is queued. */
  nextAt(): number {
    return this.heap[0]?.at ?? Number.POSITIVE_INFINITY;
  }

  /**
   * Runs every task due up to `untilMs` (tasks may schedule more) until `budget` says stop;
   * returns the time reached (`now`): `untilMs` when all due tasks ran, else the next task's.
   */
  runUntil(untilMs: number, budget: () => boolean = () => true): number {
    let reached = untilMs;
    while (this.nextAt() <= untilMs) {
      if (!budget()) {
        reached = Math.min(untilMs, this.nextAt());
        break;
      }
      const entry = this.pop();
      if (entry === undefined) break;
      if (entry.at > this.now) this.now = entry.at;
      entry.run(entry.at);
    }
    if (reached > this.now) this.now = reached;
    return this.now;
  }

  private pop(): { at: number; order: number; run: (at: number) => void } | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const l = heap[left] as (typeof heap)[number];
      const r = heap[right];
      const child = r !== undefined && before(r, l) ? right : left;
      const c = heap[child] as (typeof heap)[number];
      if (!before(c, last)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function before(a: { at: number; order: number }, b: { at: number; order: number }): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}
