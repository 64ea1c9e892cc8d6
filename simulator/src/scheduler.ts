import { MinHeap } from "./heap.js";

interface Task {
  at: number;
  order: number;
  run: (at: number) => void;
}

/**
 * A discrete-event queue on the simulated clock: tasks run in time order, and tasks due at the
 * same instant run in the order they were scheduled, so a seeded run never depends on how a
 * heap happens to break ties.
 */
export class Scheduler {
  private readonly queue = new MinHeap<Task>((a, b) => a.at < b.at || (a.at === b.at && a.order < b.order));
  private order = 0;
  /** Simulated ms: the time of the task running now, or how far the last `runUntil` got. */
  now: number;

  constructor(startMs: number) {
    this.now = startMs;
  }

  get size(): number {
    return this.queue.size;
  }

  schedule(at: number, run: (at: number) => void): void {
    this.queue.push({ at, order: this.order++, run });
  }

  /** Simulated ms of the next task, Infinity when none is queued. */
  nextAt(): number {
    return this.queue.peek()?.at ?? Number.POSITIVE_INFINITY;
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
      const task = this.queue.pop();
      if (task === undefined) break;
      if (task.at > this.now) this.now = task.at;
      task.run(task.at);
    }
    if (reached > this.now) this.now = reached;
    return this.now;
  }
}
