/**
 * Pace of the simulated clock: `speed` times real time from `simStart`. The simulation runs
 * every event up to `target()`; when that work does not fit in real time, the simulation falls
 * behind rather than skipping events, so a seeded run is the same run however busy the machine
 * is, and `lagMs` shows by how much it trails the requested pace.
 */
export class Pace {
  /** Wall clock, epoch ms, when the simulated clock started. */
  readonly realStart: number;

  constructor(
    readonly simStart: number,
    readonly speed: number,
    private readonly realNow: () => number = Date.now,
  ) {
    this.realStart = realNow();
  }

  /** Where the simulated clock should be by now. */
  target(): number {
    return this.simStart + (this.realNow() - this.realStart) * this.speed;
  }

  /** Simulated ms a clock at `reached` trails the requested pace. */
  lagMs(reached: number): number {
    return Math.max(0, this.target() - reached);
  }

  /** The speed actually achieved so far by a clock at `reached`. */
  achievedSpeed(reached: number): number {
    const real = this.realNow() - this.realStart;
    return real > 0 ? (reached - this.simStart) / real : this.speed;
  }
}
