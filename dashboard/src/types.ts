/** The gateway's JSON shapes, as gateway/src/http/views.ts and the route schemas give them. */

export type SpotState = "free" | "occupied" | "offline" | "unknown";
export type AlertLevel = "normal" | "high" | "critical";

export interface Counts {
  total: number;
  free: number;
  occupied: number;
  offline: number;
  unknown: number;
  occupancy_rate: number;
  level: AlertLevel;
}

/** A spot in `/api/current` and in `spot` stream events. */
export interface SpotView {
  zone: string;
  spot: string;
  state: SpotState;
  confidence: number;
  distance_cm: number | null;
  last_change: string | null;
  last_seen: string | null;
}

/** A `summary` stream event; `/api/current` is the same plus `success` and `spots`. */
export interface Summary extends Counts {
  timestamp: string;
  zones: Record<string, Counts>;
}

export interface Current extends Summary {
  spots: SpotView[];
}

/** An `alert` stream event: one scope's level changed; `zone` is null for the whole lot. */
export interface AlertChange {
  timestamp: string;
  zone: string | null;
  level: AlertLevel;
  previous: AlertLevel;
  occupancy_rate: number;
}

/** A change event of `/api/history`, newest first. */
export interface HistoryEvent {
  timestamp: string;
  zone: string;
  spot: string;
  state: SpotState;
  previous: SpotState | null;
}

export interface History {
  events: HistoryEvent[];
}

/** `/api/occupancy`: columnar, bucket starts in epoch ms; empty buckets are left out. */
export interface Occupancy {
  step: number;
  timestamps: number[];
  occupancy_rate: number[];
}

export interface Hourly {
  statistics: Array<{ hour: number; avg_occupancy: number; samples: number }>;
}
