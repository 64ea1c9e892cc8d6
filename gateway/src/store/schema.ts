import type { ColumnType } from "kysely";
import type { AlertLevel, SpotStatus } from "../../../protocol/src/types.js";
import type { ChangeSource, SpotState } from "../lot/types.js";

/**
 * A `bigint` column (epoch-ms timestamps, node counters). SQLite returns a number, PostgreSQL's
 * driver returns int8 as a string to avoid precision loss, so reads must go through `toNumber`.
 */
export type Int8 = ColumnType<number | string, number, number>;
export type NullableInt8 = ColumnType<number | string | null, number | null, number | null>;
/** Autoincrement id: `integer primary key autoincrement` on SQLite, `bigserial` on PostgreSQL. */
export type GeneratedId = ColumnType<number | string, never, never>;

/** 0 / 1: an integer rather than a boolean type so both dialects store and return the same thing. */
export type IntBoolean = number;

export interface SpotsTable {
  zone: string;
  spot: string;
  status: SpotStatus;
  online: IntBoolean;
  confidence: number;
  distance_cm: number | null;
  seq: NullableInt8;
  reported_at: NullableInt8;
  last_seen: Int8;
  last_change: Int8;
  fw: string | null;
  rssi: number | null;
  battery_v: number | null;
}

export interface ChangeEventsTable {
  id: GeneratedId;
  ts: Int8;
  zone: string;
  spot: string;
  state: SpotState;
  previous: SpotState | null;
  confidence: number;
  distance_cm: number | null;
  seq: NullableInt8;
  /** Added by migration 002: null in rows written before it. */
  reported_at: NullableInt8;
  source: ChangeSource;
}

export interface AlertsTable {
  id: GeneratedId;
  ts: Int8;
  scope: string;
  level: AlertLevel;
  previous: AlertLevel;
  occupancy_rate: number;
}

export interface OccupancySamplesTable {
  ts: Int8;
  scope: string;
  total: number;
  free: number;
  occupied: number;
  offline: number;
  unknown: number;
  occupancy_rate: number;
}

export interface Database {
  spots: SpotsTable;
  change_events: ChangeEventsTable;
  alerts: AlertsTable;
  occupancy_samples: OccupancySamplesTable;
}

/** Reads an int8 / numeric / count result the same way whichever driver produced it. */
export function toNumber(value: number | string | bigint): number {
  return typeof value === "number" ? value : Number(value);
}

export function toNullableNumber(value: number | string | bigint | null): number | null {
  return value === null ? null : toNumber(value);
}
