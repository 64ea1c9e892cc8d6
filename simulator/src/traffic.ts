import type { Random } from "./random.js";

export interface TrafficOptions {
  /** Number of spots, indexed 0..n-1. */
  spots: number;
  /** Long-run share of occupied spots the arrival rate aims at, 0..1. */
  targetOccupancy: number;
  /** Median dwell, simulated ms. */
  medianDwellMs: number;
  /** Log-normal shape of dwell times. */
  dwellSigma: number;
}

export interface TrafficEvent {
  /** Simulated ms. */
  at: number;
  spot: number;
  kind: "arrival" | "departure";
}

/**
 * Cars arrive as a Poisson process, take a random free spot and stay for a log-normal
 * dwell; a car that finds the lot full turns away. Pure apart from its random source:
 * `advance` returns what happened up to a simulated instant.
 */
export class TrafficModel {
  readonly occupied: boolean[];
  turnedAway = 0;
  private readonly departures: Array<{ at: number; spot: number }> = [];
  private nextArrival: number;
  private readonly meanGapMs: number;

  constructor(
    private readonly options: TrafficOptions,
    private readonly random: Random,
    startMs: number,
  ) {
    this.occupied = new Array<boolean>(options.spots).fill(false);
    // Mean dwell of a log-normal is median × e^(σ²/2); Little's law gives the arrival rate.
    const meanDwell = options.medianDwellMs * Math.exp((options.dwellSigma * options.dwellSigma) / 2);
    this.meanGapMs = meanDwell / Math.max(1e-9, options.targetOccupancy * options.spots);
    for (let spot = 0; spot < options.spots; spot++) {
      if (random.next() < options.targetOccupancy) {
        this.occupied[spot] = true;
        this.departures.push({ at: startMs + random.next() * this.dwell(), spot });
      }
    }
    this.departures.sort((a, b) => a.at - b.at);
    this.nextArrival = startMs + random.exponential(this.meanGapMs);
  }

  advance(untilMs: number): TrafficEvent[] {
    const events: TrafficEvent[] = [];
    for (;;) {
      const departure = this.departures[0];
      if (departure && departure.at <= untilMs && departure.at <= this.nextArrival) {
        this.departures.shift();
        this.occupied[departure.spot] = false;
        events.push({ at: departure.at, spot: departure.spot, kind: "departure" });
      } else if (this.nextArrival <= untilMs) {
        const at = this.nextArrival;
        this.nextArrival += this.random.exponential(this.meanGapMs);
        const spot = this.pickFreeSpot();
        if (spot === null) {
          this.turnedAway += 1;
          continue;
        }
        this.occupied[spot] = true;
        this.insertDeparture({ at: at + this.dwell(), spot });
        events.push({ at, spot, kind: "arrival" });
      } else {
        return events;
      }
    }
  }

  private dwell(): number {
    return this.random.logNormal(this.options.medianDwellMs, this.options.dwellSigma);
  }

  private pickFreeSpot(): number | null {
    const free: number[] = [];
    for (let i = 0; i < this.occupied.length; i++) if (!this.occupied[i]) free.push(i);
    return free.length === 0 ? null : (free[this.random.int(free.length)] ?? null);
  }

  private insertDeparture(entry: { at: number; spot: number }): void {
    let lo = 0;
    let hi = this.departures.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.departures[mid]?.at ?? 0) <= entry.at) lo = mid + 1;
      else hi = mid;
    }
    this.departures.splice(lo, 0, entry);
  }
}
