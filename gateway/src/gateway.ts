import { readFileSync } from "node:fs";
import type { Logger } from "pino";
import {
  gatewayAvailabilityTopic,
  siteSubscriptionFilters,
  subscriptionFilters,
} from "../../protocol/src/topics.js";
import { startBuiltInSimulator } from "../../simulator/src/builtIn.js";
import type { RunningSimulator } from "../../simulator/src/simulator.js";
import { type EmbeddedBroker, startEmbeddedBroker } from "./broker/embedded.js";
import { GatewayBus } from "./bus.js";
import { type GatewaySettings, redactUrl } from "./config/settings.js";
import { UserFacingError } from "./errors.js";
import { buildHttpApp } from "./http/app.js";
import { WriteAudit } from "./http/writeAudit.js";
import { IngestCounters } from "./ingest/counters.js";
import { MqttLink } from "./ingest/mqttLink.js";
import { IngestPipeline } from "./ingest/pipeline.js";
import type { SerialLink } from "./ingest/serial.js";
import { StoreWriter } from "./ingest/writer.js";
import { LiveHub } from "./live/hub.js";
import type { AlertThresholds } from "./lot/alerts.js";
import { Lot } from "./lot/lot.js";
import { listenApp } from "./net/listen.js";
import type { HaDiscovery } from "./services/haDiscovery.js";
import { checkHealth } from "./services/health.js";
import { LiveFeed } from "./services/liveFeed.js";
import { Maintenance } from "./services/maintenance.js";
import { GatewayMetrics } from "./services/metrics.js";
import { MqttPublisher } from "./services/mqttPublisher.js";
import { SpotAdmin } from "./services/spotAdmin.js";
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

/**
 * How many unacknowledged QoS 1 messages the broker may have in flight to us (MQTT 5). Large,
 * so one commit takes thousands of reports when busy; bounded, so memory is too (~10 MB).
 */
const RECEIVE_MAXIMUM = 10_000;
const SUMMARY_INTERVAL_MS = 250;
/** How long a stop waits for the database to take what is queued (a full disk may never). */
const STOP_FLUSH_MS = 10_000;

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
    const writer = new StoreWriter(store, logger.child({ component: "store" }), {
      database: store.engine === "sqlite" ? `the database ${settings.db}` : "the PostgreSQL database",
    });
    cleanups.push(async () => {
      // Only a start-up that failed gets here with anything queued; stop() has flushed already.
      if (!(await writer.flushWithin(STOP_FLUSH_MS))) writer.abandon();
    });
    const thresholds: AlertThresholds = {
      high: settings.alertHigh,
      critical: settings.alertCritical,
      hysteresis: settings.alertHysteresis,
    };

    const summary = new SummaryService({ lot, bus, writer, thresholds, intervalMs: SUMMARY_INTERVAL_MS });
    summary.start(levelsFromHistory(await store.alertHistory({ limit: 1_000 })));
    cleanups.push(() => summary.stop());

    const hub = new LiveHub();
    const liveFeed = new LiveFeed(bus, hub);
    liveFeed.start();
    cleanups.push(() => liveFeed.stop());

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
      siteTopics: settings.siteTopics,
      lot,
      writer,
      bus,
      counters,
      logger: logger.child({ component: "ingest" }),
    });
    const link = new MqttLink({
      url: mqttUrl,
      clientId: settings.mqttClientId,
      filters: (settings.siteTopics ? siteSubscriptionFilters : subscriptionFilters)(settings.topicRoot),
      will: { topic: gatewayAvailabilityTopic(settings.topicRoot), payload: "offline" },
      birth: { topic: gatewayAvailabilityTopic(settings.topicRoot), payload: "online" },
      protocolVersion: broker ? 4 : 5,
      receiveMaximum: RECEIVE_MAXIMUM,
      ...(settings.mqttCa === null ? {} : { ca: readCa(settings.mqttCa) }),
      logger: logger.child({ component: "mqtt" }),
    });
    link.onMessage((topic, payload, ack) => pipeline.receive(topic, payload, "mqtt", ack));
    const audit = new WriteAudit(logger);
    const metrics = new GatewayMetrics({
      counters,
      writer,
      hub,
      link,
      audit,
      summary: () => summary.summary(),
    });
    cleanups.push(() => link.stop());
    const publisher = new MqttPublisher(bus, link, settings.topicRoot);
    publisher.start(summary.alertState());
    let haDiscovery: HaDiscovery | null = null;
    if (settings.haDiscovery) {
      const { HaDiscovery } = await import("./services/haDiscovery.js");
      haDiscovery = new HaDiscovery({
        bus,
        link,
        lot,
        names: {
          prefix: settings.haPrefix,
          topicRoot: settings.topicRoot,
          expireAfterS: settings.offlineAfterS,
        },
        logger: logger.child({ component: "ha-discovery" }),
      });
      haDiscovery.start();
      cleanups.push(() => haDiscovery?.stop());
    }
    const connected = await link.start();
    if (!connected) {
      logger.warn(`cannot reach the MQTT broker at ${redactUrl(mqttUrl)} yet; retrying every second`);
    }

    const serialLinks: SerialLink[] = [];
    if (settings.serial.length > 0) {
      // serialport's native binding is loaded only by gateways that read nodes on USB.
      const { SerialLink } = await import("./ingest/serial.js");
      for (const path of settings.serial) {
        serialLinks.push(
          new SerialLink({
            path,
            logger: logger.child({ component: "serial" }),
            onLine: (line) => pipeline.receiveLine(line, "serial"),
          }),
        );
      }
    }
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

    const health = () =>
      checkHealth({
        startedAt,
        store,
        writer,
        link,
        mqttUrl,
        embeddedBroker: broker !== null,
        counters,
        hub,
        serialLinks,
        lot,
      });

    const spots = new SpotAdmin({
      topicRoot: settings.topicRoot,
      lot,
      store,
      writer,
      link,
      summary,
      haDiscovery: () => haDiscovery,
      logger: logger.child({ component: "admin" }),
    });
    spots.start();
    cleanups.push(() => spots.stop());

    const app = await buildHttpApp(
      {
        store,
        lot,
        summary,
        hub,
        thresholds,
        sampleIntervalMs: settings.sampleIntervalS * 1000,
        health,
        metrics,
        spots,
        apiToken: settings.apiToken,
        audit,
        rateLimit: settings.rateLimit,
      },
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
      simulator = await startBuiltInSimulator(
        mqttUrl,
        settings.topicRoot,
        logger.child({ component: "simulator" }),
      );
    }

    let stopping: Promise<void> | null = null;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        logger.info("stopping: ingest first, then the store, then the network");
        await simulator?.stop();
        for (const serial of serialLinks) await serial.stop();
        publisher.stop();
        haDiscovery?.stop();
        // Stop taking messages; what is queued still commits and is acknowledged below.
        link.onMessage(() => {});
        if (!(await writer.flushWithin(STOP_FLUSH_MS))) {
          const dropped = writer.abandon();
          logger.error(
            { waiting: dropped },
            `Stopping without storing ${dropped} ${dropped === 1 ? "message" : "messages"}: ${writer.stats.lastError ?? "the database did not answer"}. They were never acknowledged: a broker that keeps the gateway's session (Mosquitto) delivers them again at the next start; the embedded broker and serial lines do not.`,
          );
        }
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

/** The broker's CA certificate; a file that cannot be read stops start-up with one sentence. */
function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "it does not exist" : code === "EACCES" ? "permission denied" : String(code);
    throw new UserFacingError(`--mqtt-ca (PARKING_MQTT_CA): cannot read ${file}: ${why}.`);
  }
}
