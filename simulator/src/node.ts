import type { SpotReport, SpotStatus } from "../../protocol/src/types.js";
import type { Random } from "./random.js";

/** Ceiling mount: the floor of an empty spot is about this far below the sensor. */
const FLOOR_CM = 250;

/**
 * A synthetic sensor node: it knows whether a car is below it and reports like the firmware
 * does (report on change, heartbeat, a counter per report, `boot` after start).
 */
export class SyntheticNode {
  private seq = 0;
  private status: SpotStatus = "unknown";
  private carHeightCm = 0;
  private booted = false;

  constructor(
    readonly zone: string,
    readonly spot: string,
    private readonly random: Random,
  ) {}

  /** Sets what is below the sensor; returns true when that changes the reported status. */
  setOccupied(occupied: boolean): boolean {
    const next: SpotStatus = occupied ? "occupied" : "free";
    if (next === this.status) return false;
    this.status = next;
    // Car roofs and bonnets sit 1.0–1.7 m below a 2.5 m ceiling sensor.
    this.carHeightCm = occupied ? 90 + this.random.next() * 70 : 0;
    return true;
  }

  /** The next report; `reason` says why it is sent. */
  report(reason: "change" | "heartbeat", nowMs: number): SpotReport {
    const distance = this.status === "occupied" ? FLOOR_CM - this.carHeightCm : FLOOR_CM;
    const noisy = Math.max(2, distance + this.random.normal() * 1.5);
    this.seq += 1;
    const report: SpotReport = {
      status: this.status,
      confidence: Math.round((0.88 + this.random.next() * 0.11) * 100) / 100,
      distanceCm: Math.round(noisy * 10) / 10,
      ts: nowMs,
      seq: this.seq,
      reason: this.booted ? reason : "boot",
      fw: "sim-1",
      rssi: -50 - this.random.int(30),
    };
    this.booted = true;
    return report;
  }
}
