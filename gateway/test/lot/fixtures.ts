import fc from "fast-check";
import type { Spot } from "../../src/lot/types.js";

export function makeSpot(fields: Partial<Spot> = {}): Spot {
  return {
    zone: "A",
    spot: "1",
    status: "free",
    online: true,
    confidence: 0.9,
    distanceCm: 180,
    seq: null,
    reportedAt: null,
    lastSeen: 1_000,
    lastChange: 1_000,
    fw: null,
    rssi: null,
    batteryV: null,
    ...fields,
  };
}

/** Frozen inputs make any mutation by the code under test throw (ES modules run in strict mode). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

export const spotArb: fc.Arbitrary<Spot> = fc
  .record({
    zone: fc.constantFrom("A", "B", "C", "constructor"),
    spot: fc.stringMatching(/^[A-Za-z0-9_-]{1,4}$/),
    status: fc.constantFrom("free", "occupied", "unknown"),
    online: fc.boolean(),
  })
  .map((fields) => makeSpot(fields));

/** Spots with distinct (zone, spot) keys, as a Lot holds them. */
export const lotArb: fc.Arbitrary<Spot[]> = fc.uniqueArray(spotArb, {
  selector: (s) => `${s.zone}/${s.spot}`,
  maxLength: 60,
});
