import { redactUrl } from "../config/settings.js";
import type { HealthReport } from "../http/context.js";
import type { IngestCounters } from "../ingest/counters.js";
import type { MqttLink } from "../ingest/mqttLink.js";
import type { SerialLink } from "../ingest/serial.js";
import { type StoreWriter, waiting } from "../ingest/writer.js";
import type { LiveHub } from "../live/hub.js";
import type { Lot } from "../lot/lot.js";
import type { Store } from "../store/types.js";

export interface HealthSources {
  startedAt: number;
  store: Store;
  writer: StoreWriter;
  link: MqttLink;
  mqttUrl: string;
  embeddedBroker: boolean;
  counters: IngestCounters;
  hub: LiveHub;
  serialLinks: SerialLink[];
  lot: Lot;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const round2 = (n: number): number => Math.round(n * 100) / 100;

/**
 * Real checks, not a constant "ok": a database round trip, the MQTT link's state, how long
 * since the last message. `down` when the database does not answer (nothing can be stored),
 * `degraded` when the broker is unreachable or commits are failing (they are being retried).
 */
export async function checkHealth(s: HealthSources, now = Date.now()): Promise<HealthReport> {
  let database: { ok: boolean; engine: string; latency_ms?: number; error?: string };
  try {
    const t0 = performance.now();
    await s.store.ping();
    database = { ok: true, engine: s.store.engine, latency_ms: round2(performance.now() - t0) };
  } catch (error) {
    database = {
      ok: false,
      engine: s.store.engine,
      error: error instanceof Error ? error.message : String(error),
    };
  }
  const link = s.link.status;
  const mqtt = {
    ok: link.connected,
    url: redactUrl(s.mqttUrl),
    embedded_broker: s.embeddedBroker,
    connected_since: link.connected ? iso(link.connectedAt) : null,
    last_error: link.lastError,
    reconnects: link.reconnects,
  };
  const { counters, writer } = s;
  const lastMessageAt = counters.lastMessageAt;
  // One sentence per problem, so a person reading /api/health sees what is wrong without digging.
  const reasons: string[] = [];
  if (!database.ok) reasons.push(`The database does not answer: ${database.error}.`);
  if (writer.stats.lastError !== null) {
    reasons.push(
      `Commits to the database fail (${writer.stats.lastError}): ${waiting(writer.pendingCount)} unacknowledged, retried until stored.`,
    );
  }
  if (!mqtt.ok) reasons.push(`The MQTT broker ${mqtt.url} is unreachable: reconnecting every second.`);
  return {
    status: !database.ok ? "down" : !mqtt.ok || writer.stats.lastError !== null ? "degraded" : "ok",
    reasons,
    timestamp: new Date(now).toISOString(),
    uptime_s: Math.round((now - s.startedAt) / 1000),
    database,
    mqtt,
    ingest: {
      received: counters.received,
      accepted: counters.accepted,
      duplicates: counters.duplicates,
      stale: counters.stale,
      ignored: counters.ignored,
      rejected_total: counters.rejectedTotal,
      rejected: counters.rejected,
      last_message_at: iso(lastMessageAt),
      last_message_age_s: lastMessageAt === null ? null : Math.round((now - lastMessageAt) / 100) / 10,
    },
    store_writer: {
      waiting: writer.pendingCount,
      commits: writer.stats.commits,
      failures: writer.stats.failures,
      last_commit_ms: round2(writer.stats.lastCommitMs),
      last_error: writer.stats.lastError,
      failing_since: iso(writer.stats.failingSince),
    },
    live: {
      clients: s.hub.clientCount,
      dropped_slow_clients: s.hub.droppedClients,
      largest_queue_bytes: s.hub.largestQueueBytes,
    },
    serial: s.serialLinks.map((link) => ({ ...link.status })),
    spots: s.lot.size,
  };
}
