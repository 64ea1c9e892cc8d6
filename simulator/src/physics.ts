import { AIR_C, cmToEchoUs, echoToCm } from "../../firmware/src/core/index.js";
import type { Random } from "./random.js";
import type { VehicleKind } from "./traffic.js";

/** How an HC-SR04 over a spot misbehaves; the defaults are "default noise" in the sense. */
export interface SensorNoise {
  /** σ of a genuine echo, cm: the HC-SR04 resolves about 0.3 cm, a ribbed floor or roof rail adds to it. */
  sigmaCm: number;
  /** Chance a ping gets no echo off the bare floor. */
  missFloor: number;
  /** Chance a ping gets no echo off a vehicle: windscreens and sloped bonnets send the burst elsewhere. */
  missVehicle: number;
  /**
   * Chance a ping returns a spike: a stray reflection off a pillar, a pipe or the next car, at
   * any distance in range. These are the false positives users of ultrasonic sensors report;
   * the firmware's median filter and agreeing-cycles rule are what keep them from flipping a spot.
   */
  spike: number;
}

export const DEFAULT_NOISE: SensorNoise = { sigmaCm: 1, missFloor: 0.01, missVehicle: 0.04, spike: 0.01 };

/** Ceiling mount: the floor of a spot is about 250 cm below the sensor, give or take the slab. */
export const FLOOR_CM = 250;
const FLOOR_SPREAD_CM = 6;

/**
 * Height above the floor of the surface under a ceiling sensor over the middle of the spot, cm:
 * roof or bonnet of a hatchback or saloon, an SUV's roof, a van's roof, a low sports car.
 */
const SURFACE_HEIGHT_CM: Record<VehicleKind, readonly [number, number]> = {
  car: [95, 150],
  suv: [130, 185],
  van: [190, 230],
  low: [100, 125],
};

/**
 * Air temperature in a covered car park over a day, °C: coolest before dawn, warmest mid
 * afternoon. The node assumes AIR_C, so a cold morning makes it read a few cm long.
 */
export function airTemperatureC(simMs: number): number {
  const date = new Date(simMs);
  const hour = date.getHours() + date.getMinutes() / 60;
  return 14 + 7 * Math.sin((2 * Math.PI * (hour - 9)) / 24);
}

/** The reflector under one spot's sensor, and how one ping of it comes out. */
export class SpotSensor {
  readonly floorCm: number;
  private surfaceCm: number | null = null;
  /** A stuck sensor reports this distance whatever is below it; null when it works. */
  stuckAtCm: number | null = null;

  constructor(
    private readonly random: Random,
    private readonly noise: SensorNoise = DEFAULT_NOISE,
  ) {
    this.floorCm = FLOOR_CM + (random.next() - 0.5) * FLOOR_SPREAD_CM;
  }

  /** A vehicle arrives (its surface height is drawn) or leaves (null). */
  park(vehicle: VehicleKind | null): void {
    if (vehicle === null) {
      this.surfaceCm = null;
      return;
    }
    const [low, high] = SURFACE_HEIGHT_CM[vehicle];
    this.surfaceCm = this.floorCm - (low + this.random.next() * (high - low));
  }

  get occupied(): boolean {
    return this.surfaceCm !== null;
  }

  /** Distance to what is below the sensor now, cm. */
  trueDistanceCm(): number {
    return this.surfaceCm ?? this.floorCm;
  }

  /**
   * One ping as the node measures it: the echo's width comes from the true distance at the true
   * air temperature, and the node converts it back at AIR_C with the firmware's own formula.
   * Null is a ping without echo.
   */
  ping(airC: number): number | null {
    const { random, noise } = this;
    if (this.stuckAtCm !== null) return this.stuckAtCm;
    const u = random.next();
    if (u < noise.spike) return 2 + random.next() * 398;
    if (u < noise.spike + (this.surfaceCm === null ? noise.missFloor : noise.missVehicle)) return null;
    const cm = Math.max(0, this.trueDistanceCm() + random.normal() * noise.sigmaCm);
    return echoToCm(cmToEchoUs(cm, airC), AIR_C);
  }
}
