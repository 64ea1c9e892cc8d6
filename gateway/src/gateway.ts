import type { Logger } from "pino";
import { gatewayAvailabilityTopic, subscriptionFilters } from "../../protocol/src/topics.js";
import { DEFAULT_ZONES, parseZones } from "../../simulator/src/layout.js";
import { type RunningSimulator, startSimulator } from "../../simulator/src/simulator.js";
import { type EmbeddedBroker, startEmbeddedBroker } from "./broker/embedded.js";
import { GatewayBus } from "./bus.js";
import { type GatewaySettings, redactUrl } from "./config/settings.js";
import { buildHttpApp } from "./http/app.js";
import type { HealthReport } from "./http/context.js";
import { alertView, spotView, summaryView } from "./http/views.js";
import { IngestCounters } from "./ingest/counters.js";
import { MqttLink } from "./ingest/mqttLink.js";
import { IngestPipeline } from "./ingest/pipeline.js";
import { SerialLink } from "./ingest/serial.js";
import { StoreWriter } from "./ingest/writer.js";
import { LiveHub } from "./live/hub.js";
import type { AlertThresholds } from "./lot/alerts.js";
import { Lot } from "./lot/lot.js";
import { listenApp } from "./net/listen.js";
import { Maintenance } from "./services/maintenance.js";
import { MqttPublisher } from "./services/mqttPublisher.js";
import { levelsFromHistory, SummaryService } from "./services/summaryService.js";
import { openStore } from "./store/index.js";
import type { Store } from "./store/types.js";

export interface RunningGateway {
  httpPort: number;
  /** Where the gateway's MQTT link points (the embedded broker's URL when there is one). */
  mqttUrl: string;
  broker: EmbeddedBroker | null;
  store: Store;
  /** Stops ingest, flushes the store, says `offline`, closes. Safe to call twice. */
  stop(): Promise<void>;
}

/** How many unacknowledged QoS 1 messages the broker may have in flight to us (MQTT 5). */
const RECEIVE_MAXIMUM = 1_000;
const SUMMARY_INTERVAL_MS = 250;

/** The composition root: builds every part, wires them through the bus, and starts them in order. */
export async function startGateway(settings: GatewaySettings, logger: Logger): Promise<RunningGateway> {
  const startedAt = Date.now();
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        logger.error({ err: error }, "error while stopping");
      }
    }
    cleanups.length = 0;
  };

  try {
    const store = await openStore(settings.db);
    cleanups.push(() => store.close());
    logger.info(
      { engine: store.engine },
      `history stored in ${store.engine === "sqlite" ? settings.db : "PostgreSQL"}`,
    );

    const lot = new Lot();
    lot.load(await store.loadSpots());
    const bus = new GatewayBus();
    const counters = new IngestCounters();
    const writer = new StoreWriter(store, logger.child({ component: "store" }));
    cleanups.push(() => writer.flush());
    const thresholds: AlertThresholds = {
      high: settings.alertHigh,
      critical: settings.alertCritical,
      hysteresis: settings.alertHysteresis,
    };

    const summary = new SummaryService({ lot, bus, writer, thresholds, intervalMs: SUMMARY_INTERVAL_MS });
    summary.start(levelsFromHistory(await store.alertHistory({ limit: 1_000 })));
    cleanups.push(() => summary.stop());

    const hub = new LiveHub();
    cleanups.push(() => hub.close());
    const live = {};
    bus.on(live, "spotChanged", ({ spot }) => hub.broadcast("spot", spotView(spot)));
    bus.on(live, "summary", (s) => hub.broadcast("summary", summaryView(s)));
    bus.on(live, "alert", ({ event }) => hub.broadcast("alert", alertView(event)));
    cleanups.push(() => bus.removeAll(live));

    let broker: EmbeddedBroker | null = null;
    if (settings.mqttUrl === null) {
      broker = await startEmbeddedBroker({
        host: settings.host,
        port: settings.mqttPort,
        wsPort: settings.mqttWsPort,
        fallbackWhenTaken: !settings.mqttPortsExplicit,
        logger: logger.child({ component: "broker" }),
      });
      cleanups.push(() => broker?.close());
    }
    const mqttUrl = settings.mqttUrl ?? (broker as EmbeddedBroker).url;

    const pipeline = new IngestPipeline({
      topicRoot: settings.topicRoot,
      lot,
      writer,
      bus,
      counters,
      logger: logger.child({ component: "ingest" }),
    });
    const link = new MqttLink({
      url: mqttUrl,
      clientId: settings.mqttClientId,
      filters: subscriptionFilters(settings.topicRoot),
      will: { topic: gatewayAvailabilityTopic(settings.topicRoot), payload: "offline" },
      birth: { topic: gatewayAvailabilityTopic(settings.topicRoot), payload: "online" },
      protocolVersion: broker ? 4 : 5,
      receiveMaximum: RECEIVE_MAXIMUM,
      logger: logger.child({ component: "mqtt" }),
    });
    link.onMessage((topic, payload, ack) => pipeline.receive(topic, payload, "mqtt", ack));
    cleanups.push(() => link.stop());
    const publisher = new MqttPublisher(bus, link, settings.topicRoot);
    publisher.start(summary.alertState());
    const connected = await link.start();
    if (!connected) {
      logger.warn(`cannot reach the MQTT broker at ${redactUrl(mqttUrl)} yet; retrying every second`);
    }

    const serialLinks = settings.serial.map(
      (path) =>
        new SerialLink({
          path,
          logger: logger.child({ component: "serial" }),
          onLine: (line) => pipeline.receiveLine(line, "serial"),
        }),
    );
    for (const serial of serialLinks) serial.start();

    const maintenance = new Maintenance({
      lot,
      bus,
      writer,
      store,
      logger: logger.child({ component: "maintenance" }),
      offlineAfterMs: settings.offlineAfterS * 1000,
      sampleIntervalMs: settings.sampleIntervalS * 1000,
      retentionMs: settings.retentionDays * 86_400_000,
    });
    maintenance.start();
    cleanups.push(() => maintenance.stop());

    const health = async (): Promise<HealthReport> => {
      const now = Date.now();
      let database: Record<string, unknown>;
      try {
        const t0 = performance.now();
        await store.ping();
        database = {
          ok: true,
          engine: store.engine,
          latency_ms: Math.round((performance.now() - t0) * 100) / 100,
        };
      } catch (error) {
        database = {
          ok: false,
          engine: store.engine,
          error: error instanceof Error ? error.message : String(error),
        };
      }
      const mqtt = {
        ok: link.status.connected,
        url: redactUrl(mqttUrl),
        embedded_broker: broker !== null,
        connected_since:
          link.status.connectedAt && link.status.connected
            ? new Date(link.status.connectedAt).toISOString()
            : null,
        last_error: link.status.lastError,
        reconnects: link.status.reconnects,
      };
      const status = !database.ok ? "down" : !mqtt.ok || writer.stats.lastError !== null ? "degraded" : "ok";
      return {
        status,
        timestamp: new Date(now).toISOString(),
        uptime_s: Math.round((now - startedAt) / 1000),
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
          last_message_at:
            counters.lastMessageAt === null ? null : new Date(counters.lastMessageAt).toISOString(),
          last_message_age_s:
            counters.lastMessageAt === null ? null : Math.round((now - counters.lastMessageAt) / 100) / 10,
        },
        store_writer: {
          waiting: writer.pendingCount,
          commits: writer.stats.commits,
          failures: writer.stats.failures,
          last_commit_ms: Math.round(writer.stats.lastCommitMs * 100) / 100,
          last_error: writer.stats.lastError,
        },
        live: { clients: hub.clientCount, dropped_slow_clients: hub.droppedClients },
        serial: serialLinks.map((s) => ({ ...s.status })),
        spots: lot.size,
      };
    };

    const app = await buildHttpApp(
      { store, lot, summary, hub, thresholds, sampleIntervalMs: settings.sampleIntervalS * 1000, health },
      logger,
    );
    cleanups.push(() => app.close());
    const httpPort = await listenApp(app, {
      port: settings.httpPort,
      host: settings.host,
      setting: "--http-port (PARKING_HTTP_PORT)",
      what: "HTTP server",
    });
    logger.info({ httpPort }, `API and dashboard on http://localhost:${httpPort}`);

    let simulator: RunningSimulator | null = null;
    if (settings.simulate) {
      const zones = parseZones(DEFAULT_ZONES);
      if (typeof zones === "string") throw new Error(zones);
      simulator = startSimulator({
        mqttUrl,
        topicRoot: settings.topicRoot,
        zones,
        speed: 60,
        seed: Date.now() & 0xffff,
        heartbeatMs: 30_000,
        logger: logger.child({ component: "simulator" }),
      });
    }

    let stopping: Promise<void> | null = null;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        logger.info("stopping: ingest first, then the store, then the network");
        await simulator?.stop();
        for (const serial of serialLinks) await serial.stop();
        publisher.stop();
        // Stop taking messages; what is queued still commits and is acknowledged below.
        link.onMessage(() => {});
        await writer.flush();
        await link.stop({ topic: gatewayAvailabilityTopic(settings.topicRoot), payload: "offline" });
        await cleanup();
        logger.info("stopped cleanly");
      })();
      return stopping;
    };
    return { httpPort, mqttUrl, broker, store, stop };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
