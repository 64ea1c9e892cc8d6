import type { LiveHub } from "../live/hub.js";
import type { AlertThresholds } from "../lot/alerts.js";
import type { Lot } from "../lot/lot.js";
import type { GatewayMetrics } from "../services/metrics.js";
import type { SummaryService } from "../services/summaryService.js";
import type { Store } from "../store/types.js";

/** What the routes read. Routes never write to the lot or the store. */
export interface ApiContext {
  store: Store;
  lot: Lot;
  summary: SummaryService;
  hub: LiveHub;
  thresholds: AlertThresholds;
  sampleIntervalMs: number;
  /** Real checks, gathered on demand. */
  health: () => Promise<HealthReport>;
  /** Prometheus metrics, rendered at scrape time. */
  metrics: Pick<GatewayMetrics, "contentType" | "render">;
}

export interface HealthReport {
  status: "ok" | "degraded" | "down";
  [key: string]: unknown;
}
