import type { Spot } from "./types.js";

/** What the lot keeps per zone so readers can reuse work until the zone changes. */
interface ZoneEntry {
  /** Spots in the zone, by spot id. */
  spots: Map<string, Spot>;
  /** Spot ids in display order; null when a spot came or went since they were sorted. */
  order: string[] | null;
  /** Changes whenever any spot of the zone is set or deleted; never repeats within a Lot. */
  version: number;
}

/** The spots the gateway knows, by zone and spot id. The lot core's only mutable state. */
export class Lot {
  // A spot id never contains "/" (a central gateway's zone id may: `<site>/<zone>`), so a zone
  // map of spot maps needs no composite key.
  readonly #zones = new Map<string, ZoneEntry>();
  /** Zone ids in display order; null when a zone came or went since they were sorted. */
  #zoneOrder: string[] | null = null;
  #size = 0;
  #clock = 0;

  get size(): number {
    return this.#size;
  }

  get(zone: string, spot: string): Spot | undefined {
    return this.#zones.get(zone)?.spots.get(spot);
  }

  set(spot: Spot): void {
    let entry = this.#zones.get(spot.zone);
    if (entry === undefined) {
      entry = { spots: new Map(), order: null, version: 0 };
      this.#zones.set(spot.zone, entry);
      this.#zoneOrder = null;
    }
    if (!entry.spots.has(spot.spot)) {
      entry.order = null;
      this.#size += 1;
    }
    entry.spots.set(spot.spot, spot);
    entry.version = ++this.#clock;
  }

  /** Forgets a spot (a decommissioned node); false when it was not known. */
  delete(zone: string, spot: string): boolean {
    const entry = this.#zones.get(zone);
    if (entry === undefined || !entry.spots.delete(spot)) return false;
    this.#size -= 1;
    entry.order = null;
    entry.version = ++this.#clock;
    if (entry.spots.size === 0) {
      this.#zones.delete(zone);
      this.#zoneOrder = null;
    }
    return true;
  }

  *values(): IterableIterator<Spot> {
    for (const entry of this.#zones.values()) yield* entry.spots.values();
  }

  /** Zone ids, as a person counts (Zone_2 before Zone_10). */
  zoneIds(): readonly string[] {
    this.#zoneOrder ??= [...this.#zones.keys()].sort(compareIds);
    return this.#zoneOrder;
  }

  /**
   * A number that changes whenever a spot of the zone is set or deleted, so a reader can keep
   * what it derived from the zone (the API keeps its text) until the zone changes.
   */
  zoneVersion(zone: string): number | undefined {
    return this.#zones.get(zone)?.version;
  }

  /**
   * The zone's spots, as a person counts (place_2 before place_10). The order is kept between
   * calls: reports replace spots far more often than spots come and go, and sorting 10 000 ids
   * on every request cost more than the rest of `/api/current`.
   */
  zoneSpots(zone: string): Spot[] {
    const entry = this.#zones.get(zone);
    if (entry === undefined) return [];
    entry.order ??= [...entry.spots.keys()].sort(compareIds);
    return entry.order.map((id) => entry.spots.get(id) as Spot);
  }

  /** Replaces every spot, e.g. with those the store kept across a restart. */
  load(spots: Iterable<Spot>): void {
    this.#zones.clear();
    this.#zoneOrder = null;
    this.#size = 0;
    for (const spot of spots) this.set(spot);
  }
}

const collator = new Intl.Collator("en", { numeric: true });

function compareIds(a: string, b: string): number {
  return collator.compare(a, b);
}
