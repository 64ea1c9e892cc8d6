import { MinHeap } from "./heap.js";
import type { DemandProfile } from "./profiles.js";
import type { Random } from "./random.js";

export type VehicleKind = "car" | "suv" | "van" | "low";

/**
 * Shares of what parks in a typical European car park. SUVs and crossovers are about half of new
 * registrations but the fleet on the road is older, so about a third of parked cars; vans
 * (tradespeople, people carriers) are a few percent, low sports cars fewer. Hatchbacks, saloons
 * and estates are the rest. The shares matter to the sensors: each kind puts a different
 * surface under a ceiling-mounted ultrasonic ranger.
 */
export const VEHICLE_MIX: ReadonlyArray<{ kind: VehicleKind; share: number }> = [
  { kind: "car", share: 0.6 },
  { kind: "suv", share: 0.32 },
  { kind: "van", share: 0.06 },
  { kind: "low", share: 0.02 },
];

/** Zones in order; the global spot index runs through them concatenated. */
export interface TrafficLot {
  zones: ReadonlyArray<{ zone: string; spots: number }>;
}

export interface TrafficOptions {
  profile: DemandProfile;
  /** Relative preference per zone, same order as lot.zones; default: equal per spot. */
  zoneWeights?: number[];
}

export interface TrafficEvent {
  /** Simulated ms. */
  at: number;
  /** Global spot index. */
  spot: number;
  kind: "arrival" | "departure";
  vehicle: VehicleKind;
}

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const WARM_UP_MS = 24 * HOUR_MS;

/** Local hour of day: the gateway's hourly statistics use local time too. */
function localHour(ms: number): number {
  return new Date(ms).getHours();
}

/** Start of the local hour after `ms`, strictly later than `ms`. */
function nextHourStart(ms: number): number {
  const date = new Date(ms);
  return ms - (date.getMinutes() * MINUTE_MS + date.getSeconds() * 1000 + date.getMilliseconds()) + HOUR_MS;
}

/** Free spots as an array with an index map: a uniform pick and a removal are both O(1). */
class FreeSpots {
  readonly spots: number[] = [];
  private readonly position: Int32Array;

  constructor(spotCount: number) {
    this.position = new Int32Array(spotCount).fill(-1);
  }

  get size(): number {
    return this.spots.length;
  }

  add(spot: number): void {
    this.position[spot] = this.spots.length;
    this.spots.push(spot);
  }

  remove(spot: number): void {
    const at = this.position[spot] ?? -1;
    const last = this.spots.pop();
    if (last === undefined || at < 0) throw new Error(`spot ${spot} is not free`);
    if (last !== spot) {
      this.spots[at] = last;
      this.position[last] = at;
    }
    this.position[spot] = -1;
  }

  pick(random: Random): number {
    const spot = this.spots[random.int(this.spots.length)];
    if (spot === undefined) throw new Error("no free spot to pick");
    return spot;
  }
}

interface Departure {
  at: number;
  spot: number;
}

function leavesFirst(a: Departure, b: Departure): boolean {
  return a.at < b.at || (a.at === b.at && a.spot < b.spot);
}

function cumulative(weights: readonly number[]): number[] {
  let sum = 0;
  return weights.map((weight) => {
    sum += weight;
    return sum;
  });
}

/** Index of the first cumulative weight above a uniform draw scaled to the total. */
function drawIndex(cumulativeWeights: readonly number[], random: Random): number {
  const total = cumulativeWeights.at(-1) ?? 0;
  const u = random.next() * total;
  for (let i = 0; i < cumulativeWeights.length; i++) if (u < (cumulativeWeights[i] ?? 0)) return i;
  return cumulativeWeights.length - 1;
}

/**
 * Cars arrive as a Poisson process whose rate follows the profile's local hour of day, take a
 * free spot in the zone they prefer (any free spot if it is full) and stay for a log-normal
 * dwell; a car that finds the lot full turns away. Pure apart from its random source: the same
 * seed and start give the same cars, however `advance` is sliced.
 */
export class TrafficModel {
  readonly spotCount: number;
  /** Cars that found the lot full since start. */
  turnedAway = 0;
  /** Cars that parked since start. */
  arrivals = 0;
  /** Cars that left since start. */
  departures = 0;

  private readonly vehicles: Array<VehicleKind | null>;
  private readonly zoneOf: Int32Array;
  private readonly zoneFree: FreeSpots[];
  private readonly allFree: FreeSpots;
  private readonly leaving = new MinHeap<Departure>(leavesFirst);
  private readonly zoneCumulative: number[];
  private readonly vehicleCumulative = cumulative(VEHICLE_MIX.map((v) => v.share));
  private readonly profile: DemandProfile;
  private readonly anyDemand: boolean;
  private nextArrival: number;

  constructor(
    private readonly lot: TrafficLot,
    options: TrafficOptions,
    private readonly random: Random,
    startMs: number,
  ) {
    this.profile = options.profile;
    const sizes = lot.zones.map((z) => z.spots);
    const weights = options.zoneWeights ?? sizes;
    if (weights.length !== sizes.length || weights.some((w) => !Number.isFinite(w) || w < 0)) {
      throw new RangeError(`zoneWeights needs one weight ≥ 0 per zone (${sizes.length}); got [${weights}]`);
    }
    this.zoneCumulative = cumulative(weights);
    this.spotCount = sizes.reduce((a, b) => a + b, 0);
    this.vehicles = new Array<VehicleKind | null>(this.spotCount).fill(null);
    this.zoneOf = new Int32Array(this.spotCount);
    this.allFree = new FreeSpots(this.spotCount);
    this.zoneFree = sizes.map(() => new FreeSpots(this.spotCount));
    let spot = 0;
    for (const [zone, size] of sizes.entries()) {
      for (let i = 0; i < size; i++, spot++) {
        this.zoneOf[spot] = zone;
        this.zoneFree[zone]?.add(spot);
        this.allFree.add(spot);
      }
    }
    this.anyDemand = this.spotCount > 0 && this.profile.arrivalsPerSpotHour.some((rate) => rate > 0);

    // An empty lot at 10:00 of an office day would be nobody's lot: live the day before, so the
    // cars present at the start are the profile's own.
    this.nextArrival = this.arrivalAfter(startMs - WARM_UP_MS);
    this.advance(startMs);
    this.turnedAway = 0;
    this.arrivals = 0;
    this.departures = 0;
  }

  /** Truth now: the vehicle in each spot, or null. */
  vehicleAt(spot: number): VehicleKind | null {
    return this.vehicles[spot] ?? null;
  }

  isOccupied(spot: number): boolean {
    return this.vehicleAt(spot) !== null;
  }

  get occupiedCount(): number {
    return this.spotCount - this.allFree.size;
  }

  /** Occupied spots per zone, same order as lot.zones. */
  zoneOccupied(): number[] {
    return this.lot.zones.map((zone, i) => zone.spots - (this.zoneFree[i]?.size ?? 0));
  }

  /**
   * Simulated ms of the next arrival or departure (Infinity if none), so a scheduler can sleep
   * until then. An arrival that finds the lot full turns away, so waking then may bring nothing.
   */
  nextEventAt(): number {
    return Math.min(this.leaving.peek()?.at ?? Number.POSITIVE_INFINITY, this.nextArrival);
  }

  /** Everything that happens after the previous call, up to and including `untilMs`, in time order. */
  advance(untilMs: number): TrafficEvent[] {
    const events: TrafficEvent[] = [];
    for (;;) {
      const departure = this.leaving.peek();
      if (departure && departure.at <= untilMs && departure.at <= this.nextArrival) {
        this.leaving.pop();
        events.push(this.depart(departure));
      } else if (this.nextArrival <= untilMs) {
        const at = this.nextArrival;
        const event = this.arrive(at);
        if (event) events.push(event);
        this.nextArrival = this.arrivalAfter(at);
      } else {
        break;
      }
    }
    return events;
  }

  private depart({ at, spot }: Departure): TrafficEvent {
    const vehicle = this.vehicles[spot];
    if (!vehicle) throw new Error(`spot ${spot} departs but is empty`);
    this.vehicles[spot] = null;
    this.zoneFree[this.zoneOf[spot] ?? 0]?.add(spot);
    this.allFree.add(spot);
    this.departures += 1;
    return { at, spot, kind: "departure", vehicle };
  }

  private arrive(at: number): TrafficEvent | null {
    if (this.allFree.size === 0) {
      this.turnedAway += 1;
      return null;
    }
    const preferred = this.zoneFree[drawIndex(this.zoneCumulative, this.random)];
    const spot =
      preferred && preferred.size > 0 ? preferred.pick(this.random) : this.allFree.pick(this.random);
    this.zoneFree[this.zoneOf[spot] ?? 0]?.remove(spot);
    this.allFree.remove(spot);
    const vehicle = VEHICLE_MIX[drawIndex(this.vehicleCumulative, this.random)]?.kind ?? "car";
    this.vehicles[spot] = vehicle;
    const hour = localHour(at);
    const median = (this.profile.medianDwellMin[hour] ?? 0) * MINUTE_MS;
    this.leaving.push({ at: at + this.random.logNormal(median, this.profile.dwellSigma), spot });
    this.arrivals += 1;
    return { at, spot, kind: "arrival", vehicle };
  }

  /**
   * Next arrival of a Poisson process whose rate is constant within each local hour: draw a gap
   * at this hour's rate; if it runs past the hour, the process is memoryless, so start again
   * at the boundary with the next hour's rate.
   */
  private arrivalAfter(from: number): number {
    if (!this.anyDemand) return Number.POSITIVE_INFINITY;
    let t = from;
    for (;;) {
      const end = nextHourStart(t);
      const perHour = (this.profile.arrivalsPerSpotHour[localHour(t)] ?? 0) * this.spotCount;
      if (perHour > 0) {
        const at = t + this.random.exponential(HOUR_MS / perHour);
        if (at < end) return at;
      }
      t = end;
    }
  }
}
