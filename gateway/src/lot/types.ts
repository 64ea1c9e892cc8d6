import type { AlertLevel, SpotStatus } from "../../../protocol/src/types.js";

/** What a spot counts as: its reported status while online, `offline` otherwise. */
export type SpotState = SpotStatus | "offline";

export type IngestSource = "mqtt" | "serial";

/** How a change was seen: through an input, or by the gateway noticing a node's silence. */
export type ChangeSource = IngestSource | "timeout";

/** The gateway's view of one spot. Plain data: the lot core returns new objects, never mutates. */
export interface Spot {
  zone: string;
  spot: string;
  /** Last reported status. */
  status: SpotStatus;
  /** False after an `offline` availability or when nothing was heard for the offline timeout. */
  online: boolean;
  confidence: number;
  distanceCm: number | null;
  /** Last accepted node counter; null when the node does not send one. */
  seq: number | null;
  /** Node's own timestamp of the last accepted report, epoch ms; null when it sent none. */
  reportedAt: number | null;
  /** Gateway clock, epoch ms, of the last accepted report or availability message. */
  lastSeen: number;
  /** Gateway clock, epoch ms, when the spot's state (SpotState) last changed. */
  lastChange: number;
  fw: string | null;
  rssi: number | null;
  batteryV: number | null;
}

/** A change of a spot's state, as stored in history. */
export interface ChangeEvent {
  /** Gateway clock, epoch ms, when the change was seen. */
  ts: number;
  zone: string;
  spot: string;
  state: SpotState;
  /** Null for a spot's first event. */
  previous: SpotState | null;
  confidence: number;
  distanceCm: number | null;
  seq: number | null;
  /**
   * Node's own timestamp, epoch ms, of the report that caused the change: when the node observed
   * it, which a late delivery or a faster-than-real-time simulator sets apart from `ts`. Null
   * when the change came from an availability message or the offline timeout, or the report had no `ts`.
   */
  reportedAt: number | null;
  source: ChangeSource;
}

/** Scope of a count or alert: a zone id, or LOT_SCOPE for the whole lot. */
export const LOT_SCOPE = "*";

export interface AlertEvent {
  ts: number;
  /** A zone id or LOT_SCOPE. */
  scope: string;
  level: AlertLevel;
  previous: AlertLevel;
  occupancyRate: number;
}

/** One row of the occupancy time series (charts, hourly statistics). */
export interface OccupancySample {
  ts: number;
  /** A zone id or LOT_SCOPE. */
  scope: string;
  total: number;
  free: number;
  occupied: number;
  offline: number;
  unknown: number;
  occupancyRate: number;
}
