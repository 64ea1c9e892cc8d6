import type { LiveHub } from "../live/hub.js";
import type { AlertThresholds } from "../lot/alerts.js";
import type { Lot } from "../lot/lot.js";
import type { GatewayMetrics } from "../services/metrics.js";
import type { SpotAdmin } from "../services/spotAdmin.js";
import type { SummaryService } from "../services/summaryService.js";
import type { Store } from "../store/types.js";
import type { WriteAudit } from "./writeAudit.js";

/**
 * What the routes read, and the one narrow way they change anything: `spots`, behind the API
 * token. Read routes never write to the lot or the store; write routes go through `spots`, which
 * keeps the lot, the store and the broker in step.
 */
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
  /** Node settings and spot retirement, for the write routes only. */
  spots: Pick<SpotAdmin, "configure" | "retire">;
  /** Bearer token of the write routes; null refuses them all. */
  apiToken: string | null;
  /** Logs who wrote, and counts and logs who was refused. */
  audit: WriteAudit;
  /** API requests per minute per client address; 0 turns the limit off. */
  rateLimit: number;
}

export interface HealthReport {
  status: "ok" | "degraded" | "down";
  [key: string]: unknown;
}
