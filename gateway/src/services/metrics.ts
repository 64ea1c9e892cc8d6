import { Counter, collectDefaultMetrics, exponentialBuckets, Gauge, Histogram, Registry } from "prom-client";
import type { AlertLevel, LotSummary, OccupancyCounts, RejectReason } from "../../../protocol/src/types.js";
import { TOKEN_REFUSALS, type WriteAudit } from "../http/writeAudit.js";
import type { IngestCounters } from "../ingest/counters.js";
import type { LinkStatus } from "../ingest/mqttLink.js";
import type { StoreWriter } from "../ingest/writer.js";
import type { LiveHub } from "../live/hub.js";
import type { SpotState } from "../lot/types.js";

export interface MetricsSources {
  counters: IngestCounters;
  writer: Pick<StoreWriter, "stats" | "pendingCount" | "onCommit">;
  hub: Pick<LiveHub, "clientCount" | "droppedClients">;
  link: { readonly status: LinkStatus };
  /** The lot's counts and alert levels as they are now. */
  summary: () => LotSummary;
  /** Write routes' token refusals; absent, none are exported. */
  audit?: Pick<WriteAudit, "refusals">;
  /** Adds the Node.js process metrics (CPU, memory, event loop, GC); default true. */
  processMetrics?: boolean;
}

const PREFIX = "parking_";

// Every reason is exported from the start, at 0, so rate() works from a reason's first rejection.
const REJECT_REASONS = Object.keys({
  invalid_topic: true,
  reserved_zone: true,
  oversize: true,
  not_json: true,
  not_object: true,
  missing_field: true,
  invalid_field: true,
  zone_mismatch: true,
  invalid_availability: true,
} satisfies Record<RejectReason, true>) as RejectReason[];

const SPOT_STATES: readonly SpotState[] = ["free", "occupied", "offline", "unknown"];

const LEVEL_VALUES: Record<AlertLevel, number> = { normal: 0, high: 1, critical: 2 };

/** A commit on the Pi's SD card takes milliseconds; a second means the database is in trouble. */
const COMMIT_SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

let processRegistry: Registry | null = null;

/**
 * Process metrics belong to the process, not to a gateway: collected once, into a registry of
 * their own, and shared by every gateway's registry. Collecting them per gateway would leave one
 * GC observer behind for each gateway a test process has started and stopped.
 */
function processMetrics(): Registry {
  if (processRegistry === null) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: PREFIX });
    // Gauges named like counters fail `promtool check metrics`; the same counts stay, by type,
    // in nodejs_active_handles, _requests and _resources.
    for (const name of ["active_handles_total", "active_requests_total", "active_resources_total"]) {
      processRegistry.removeSingleMetric(`${PREFIX}nodejs_${name}`);
    }
  }
  return processRegistry;
}

/**
 * The gateway's Prometheus metrics, in a registry of its own so several gateways can run in one
 * process. Counts already kept for /api/health are read at scrape time, never counted twice; only
 * the store's commit latency is observed as it happens, once per group commit.
 */
export class GatewayMetrics {
  /** This gateway's metrics, and the process's unless turned off. */
  readonly registry: Registry;
  private readonly own = new Registry();
  /** The lot as counted for the scrape in progress, so every lot gauge shows the same instant. */
  private snapshot: LotSummary | null = null;

  constructor(private readonly sources: MetricsSources) {
    this.defineIngest();
    this.defineLot();
    this.defineStore();
    this.defineLinks();
    this.registry =
      (sources.processMetrics ?? true) ? Registry.merge([this.own, processMetrics()]) : this.own;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric. */
  async render(): Promise<string> {
    this.snapshot = this.sources.summary();
    try {
      return await this.registry.metrics();
    } finally {
      this.snapshot = null;
    }
  }

  private lot(): LotSummary {
    return this.snapshot ?? this.sources.summary();
  }

  private counter(name: string, help: string, read: () => number): void {
    new Counter({
      name: PREFIX + name,
      help,
      registers: [this.own],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }

  /** A counter per reason, every reason exported from the start (at 0), so rate() works from its first. */
  private counterByReason<R extends string>(
    name: string,
    help: string,
    reasons: readonly R[],
    read: (reason: R) => number,
  ): void {
    new Counter({
      name: PREFIX + name,
      help,
      labelNames: ["reason"],
      registers: [this.own],
      collect() {
        this.reset();
        for (const reason of reasons) this.inc({ reason }, read(reason));
      },
    });
  }

  private gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name: PREFIX + name,
      help,
      registers: [this.own],
      collect() {
        this.set(read());
      },
    });
  }

  private defineIngest(): void {
    const { counters } = this.sources;
    this.counter(
      "reports_received_total",
      "Messages that reached the ingest pipeline over MQTT or serial, whatever their outcome.",
      () => counters.received,
    );
    this.counter(
      "reports_accepted_total",
      "Spot reports and availability messages applied to the lot.",
      () => counters.accepted,
    );
    this.counter(
      "reports_duplicate_total",
      "Spot reports dropped because the node had already sent that sequence number.",
      () => counters.duplicates,
    );
    this.counter(
      "reports_stale_total",
      "Spot reports dropped because they were older than the spot's last accepted report.",
      () => counters.stale,
    );
    this.counter(
      "reports_ignored_total",
      "Messages on topics that are not a node's to publish (config, summary, alerts, gateway).",
      () => counters.ignored,
    );
    this.counterByReason(
      "reports_rejected_total",
      "Messages rejected by the decoder, by reason; never stored.",
      REJECT_REASONS,
      (reason) => counters.rejected[reason] ?? 0,
    );
    this.gauge(
      "last_message_timestamp_seconds",
      "When the last message reached the ingest pipeline, Unix time; 0 before the first one.",
      () => (counters.lastMessageAt ?? 0) / 1000,
    );
  }

  private defineLot(): void {
    const lot = () => this.lot();
    new Gauge({
      name: `${PREFIX}spots`,
      help: "Known spots by state; offline and unknown spots are never counted as free.",
      labelNames: ["state"],
      registers: [this.own],
      collect() {
        const counts = lot();
        for (const state of SPOT_STATES) this.set({ state }, counts[state]);
      },
    });
    new Gauge({
      name: `${PREFIX}zone_spots`,
      help: "Known spots by zone and state.",
      labelNames: ["zone", "state"],
      registers: [this.own],
      collect() {
        this.reset();
        for (const [zone, counts] of Object.entries(lot().zones)) {
          for (const state of SPOT_STATES) this.set({ zone, state }, counts[state]);
        }
      },
    });
    this.gauge(
      "occupancy_ratio",
      "Occupied spots over free and occupied ones, 0 to 1; 0 when none is either.",
      () => occupancyRatio(lot()),
    );
    new Gauge({
      name: `${PREFIX}zone_occupancy_ratio`,
      help: "Occupied spots over free and occupied ones in the zone, 0 to 1.",
      labelNames: ["zone"],
      registers: [this.own],
      collect() {
        this.reset();
        for (const [zone, counts] of Object.entries(lot().zones)) this.set({ zone }, occupancyRatio(counts));
      },
    });
    this.gauge(
      "alert_level",
      "The lot's occupancy alert level: 0 normal, 1 high, 2 critical.",
      () => LEVEL_VALUES[lot().level],
    );
    new Gauge({
      name: `${PREFIX}zone_alert_level`,
      help: "The zone's occupancy alert level: 0 normal, 1 high, 2 critical.",
      labelNames: ["zone"],
      registers: [this.own],
      collect() {
        this.reset();
        for (const [zone, counts] of Object.entries(lot().zones)) {
          this.set({ zone }, LEVEL_VALUES[counts.level]);
        }
      },
    });
  }

  private defineStore(): void {
    const { writer } = this.sources;
    const seconds = new Histogram({
      name: `${PREFIX}store_commit_seconds`,
      help: "Duration of each successful group commit to the database.",
      buckets: COMMIT_SECONDS_BUCKETS,
      registers: [this.own],
    });
    const rows = new Histogram({
      name: `${PREFIX}store_commit_rows`,
      help: "Rows (spot states, change events, alerts, samples) written by each group commit.",
      buckets: exponentialBuckets(1, 4, 8),
      registers: [this.own],
    });
    writer.onCommit((duration, written) => {
      seconds.observe(duration);
      rows.observe(written);
    });
    this.counter(
      "store_commit_failures_total",
      "Failed commits; each is retried until it succeeds, and nothing is acknowledged before.",
      () => writer.stats.failures,
    );
    this.gauge(
      "store_waiting_messages",
      "Messages queued for the next commit, not yet acknowledged.",
      () => writer.pendingCount,
    );
  }

  private defineLinks(): void {
    const { hub, link, audit } = this.sources;
    if (audit !== undefined) {
      this.counterByReason(
        "api_token_refusals_total",
        "Write requests refused before their route ran, by reason: writes disabled, token missing or wrong.",
        TOKEN_REFUSALS,
        (reason) => audit.refusals[reason],
      );
    }
    this.gauge("mqtt_connected", "1 while the gateway is connected to the MQTT broker, else 0.", () =>
      link.status.connected ? 1 : 0,
    );
    this.counter(
      "mqtt_reconnects_total",
      "Attempts to reconnect to the MQTT broker.",
      () => link.status.reconnects,
    );
    this.gauge(
      "live_clients",
      "Clients connected to the live stream (GET /api/stream).",
      () => hub.clientCount,
    );
    this.counter(
      "live_dropped_clients_total",
      "Live-stream clients disconnected for falling too far behind.",
      () => hub.droppedClients,
    );
  }
}

function occupancyRatio(counts: Pick<OccupancyCounts, "free" | "occupied">): number {
  const seen = counts.free + counts.occupied;
  return seen === 0 ? 0 : counts.occupied / seen;
}
