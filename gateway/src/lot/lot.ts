import type { Spot } from "./types.js";

/** The spots the gateway knows, by zone and spot id. The lot core's only mutable state. */
export class Lot {
  // Ids never contain "/" (DESIGN.md, MQTT contract), so the key is unambiguous.
  readonly #spots = new Map<string, Spot>();

  get size(): number {
    return this.#spots.size;
  }

  get(zone: string, spot: string): Spot | undefined {
    return this.#spots.get(`${zone}/${spot}`);
  }

  set(spot: Spot): void {
    this.#spots.set(`${spot.zone}/${spot.spot}`, spot);
  }

  values(): IterableIterator<Spot> {
    return this.#spots.values();
  }

  /** Replaces every spot, e.g. with those the store kept across a restart. */
  load(spots: Iterable<Spot>): void {
    this.#spots.clear();
    for (const spot of spots) this.set(spot);
  }
}
