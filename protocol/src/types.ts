/**
 * The MQTT contract v1 (README.md, "MQTT topics (contract v1)"), as types. The firmware bundles this folder, so
 * everything here must also run on Espruino (see docs/espruino.md): no Map/Set, no spread,
 * no destructuring, no default parameters, no regex quantifiers other than * and +.
 */

export type SpotStatus = "free" | "occupied" | "unknown";
export type ReportReason = "boot" | "change" | "heartbeat";

/** A spot report after decoding: every field checked, timestamps as epoch milliseconds. */
export interface SpotReport {
  status: SpotStatus;
  /** In [0, 1]. */
  confidence: number;
  distanceCm?: number;
  /** When the node measured, epoch ms (from `ts`, or the original system's `timestamp`). */
  ts?: number;
  /** Node counter, for dedupe and ordering. Non-negative integer. */
  seq?: number;
  reason?: ReportReason;
  fw?: string;
  rssi?: number;
  batteryV?: number;
  uptimeS?: number;
}

/** What one inbound message means, once decoded from its topic and payload. */
export type Decoded =
  | { kind: "report"; zone: string; spot: string; report: SpotReport }
  | { kind: "availability"; zone: string; spot: string; online: boolean }
  /** A topic under the root that is not a node's to publish and not ours to read (config, summary, alerts, gateway). */
  | { kind: "ignored" };

export type RejectReason =
  | "invalid_topic"
  | "reserved_zone"
  | "oversize"
  | "not_json"
  | "not_object"
  | "missing_field"
  | "invalid_field"
  | "zone_mismatch"
  | "invalid_availability";

export interface Rejection {
  kind: "rejected";
  reason: RejectReason;
  /** One sentence for the log, naming the field or topic level at fault. */
  detail: string;
}

export type DecodeResult = Decoded | Rejection;

export type AlertLevel = "normal" | "high" | "critical";

/** Counts for one zone or the whole lot (README.md, "MQTT topics (contract v1)": alert levels). */
export interface OccupancyCounts {
  total: number;
  free: number;
  occupied: number;
  offline: number;
  unknown: number;
  /** occupied / (free + occupied) × 100, rounded to 0.1; 0 when nothing is free or occupied. */
  occupancyRate: number;
  level: AlertLevel;
}

export interface LotSummary extends OccupancyCounts {
  /** Epoch ms. */
  timestamp: number;
  zones: Record<string, OccupancyCounts>;
}

/** Current alert state, published retained on `<root>/alerts`. */
export interface AlertState {
  timestamp: number;
  level: AlertLevel;
  occupancyRate: number;
  zones: Record<string, { level: AlertLevel; occupancyRate: number }>;
}
