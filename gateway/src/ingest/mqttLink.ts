import mqtt, { type IClientOptions, type MqttClient, type Packet } from "mqtt";
import type { Logger } from "pino";
import { redactUrl } from "../config/settings.js";

export interface MqttLinkOptions {
  url: string;
  clientId: string;
  /** Topic filters to subscribe to with QoS 1. */
  filters: string[];
  /** Last will: published by the broker when the link drops without a goodbye. */
  will: { topic: string; payload: string };
  /** Published retained on every connect: the gateway's `online`. */
  birth: { topic: string; payload: string };
  /** 5 for Mosquitto (receive maximum, session expiry); 4 for brokers without MQTT 5, like Aedes. */
  protocolVersion: 4 | 5;
  /** How many unacknowledged QoS 1 messages the broker may send us (MQTT 5 only). */
  receiveMaximum: number;
  /** PEM of a private CA that signed the broker's TLS certificate. */
  ca?: Buffer;
  logger: Logger;
}

/** Called once per inbound message; `ack` sends the PUBACK and must be called once, in arrival order. */
export type InboundHandler = (topic: string, payload: Buffer, ack: () => void) => void;

/** Called for a message on a watched topic; `retained` is true when it came from the broker's retained store. */
export type WatchHandler = (topic: string, payload: Buffer, retained: boolean) => void;

interface Watch {
  handler: WatchHandler;
  /** Resolves `watch()` once the broker has granted the subscription; null after. */
  granted: (() => void) | null;
}

export interface LinkStatus {
  connected: boolean;
  /** Epoch ms of the last successful connect, null if never. */
  connectedAt: number | null;
  /** Epoch ms of the last loss of connection, null if never. */
  disconnectedAt: number | null;
  lastError: string | null;
  reconnects: number;
}

type SendPacket = (
  packet: Packet,
  cb?: (error?: Error) => void,
  cbStorePut?: () => void,
  noStore?: boolean,
) => void;

interface HeldAck {
  /** The PUBACK mqtt.js wanted to send, once it has tried. */
  packet: Packet | null;
  /** The store committed the message before mqtt.js tried to acknowledge it. */
  released: boolean;
}

/** A week: long enough to ride out a gateway outage without the broker forgetting our queue. */
const SESSION_EXPIRY_S = 7 * 24 * 3600;
/** Connection loss is logged at most this often, not per reconnect attempt. */
const LOSS_LOG_INTERVAL_MS = 30_000;

/**
 * The gateway's MQTT connection: a persistent session with QoS 1 subscriptions whose
 * acknowledgements wait until the store has committed each message, so a killed gateway
 * loses nothing the broker believes delivered.
 *
 * mqtt.js handles inbound packets one at a time and sends the PUBACK from inside that
 * sequence; holding its `handleMessage` callback would stall reading until each commit, one
 * message per transaction. Instead the link lets mqtt.js go on and holds back the PUBACK
 * packet itself, sending it when the pipeline calls `ack`. That keeps the broker's in-flight
 * window full and lets the store commit in groups.
 */
export class MqttLink {
  readonly status: LinkStatus = {
    connected: false,
    connectedAt: null,
    disconnectedAt: null,
    lastError: null,
    reconnects: 0,
  };
  private client: MqttClient | null = null;
  private handler: InboundHandler | null = null;
  private held = new Map<number, HeldAck>();
  /** Bumped on every connection loss: acks from before it must not be sent on the new connection. */
  private epoch = 0;
  private lastLossLog = 0;
  private protocolVersion: 4 | 5;
  private closing = false;
  private stopping: Promise<void> | null = null;
  private firstConnect: (() => void) | null = null;
  /** What we published retained, re-sent after a reconnect in case the broker lost it. */
  private readonly retained = new Map<string, string>();
  /** Topics that are not node traffic (e.g. Home Assistant's status), by filter. */
  private readonly watched = new Map<string, Watch>();
  /** Filters unwatched while disconnected: the persistent session still holds them. */
  private readonly unwatched = new Set<string>();

  constructor(private readonly options: MqttLinkOptions) {
    this.protocolVersion = options.protocolVersion;
  }

  onMessage(handler: InboundHandler): void {
    this.handler = handler;
  }

  /** Starts connecting; resolves true on the first connection, false after `timeoutMs` while it keeps trying. */
  start(timeoutMs = 5_000): Promise<boolean> {
    this.client = this.createClient();
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      // Not the client's own "connect": a fallback to MQTT 3.1.1 replaces the client.
      this.firstConnect = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  publish(topic: string, payload: string, retain = true): void {
    if (topic.includes("+") || topic.includes("#"))
      throw new Error(`refusing to publish to wildcard topic ${topic}`);
    // An empty payload deletes a retained message (a retired spot): sent once, never again after
    // a reconnect, where it would delete what a node reinstalled on that topic has since said.
    if (retain && payload === "") this.retained.delete(topic);
    else if (retain) this.retained.set(topic, payload);
    if (this.client?.connected) this.client.publish(topic, payload, { qos: 1, retain });
  }

  /**
   * Subscribes to `filter` beside the node traffic, on every connect, and hands its messages to
   * `handler` instead of the pipeline. QoS 0, so none of them needs a PUBACK that would
   * overtake the pipeline's, which must leave in arrival order. Resolves when the broker has
   * granted the subscription.
   */
  watch(filter: string, handler: WatchHandler): Promise<void> {
    return new Promise((resolve) => {
      this.watched.set(filter, { handler, granted: resolve });
      this.unwatched.delete(filter);
      if (this.client?.connected) this.subscribeWatch(this.client, filter);
    });
  }

  unwatch(filter: string): void {
    if (!this.watched.delete(filter)) return;
    if (this.client?.connected) this.client.unsubscribe(filter);
    else this.unwatched.add(filter);
  }

  /** Says goodbye properly: `offline` retained first, then a clean disconnect (no last will). Idempotent. */
  stop(goodbye?: { topic: string; payload: string }): Promise<void> {
    this.stopping ??= this.disconnect(goodbye);
    return this.stopping;
  }

  private async disconnect(goodbye?: { topic: string; payload: string }): Promise<void> {
    this.closing = true;
    const client = this.client;
    if (!client) return;
    if (goodbye && client.connected) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        client.publishAsync(goodbye.topic, goodbye.payload, { qos: 1, retain: true }).catch(() => undefined),
        new Promise((resolve) => {
          timer = setTimeout(resolve, 2_000);
        }),
      ]);
      clearTimeout(timer);
    }
    await client.endAsync(!client.connected).catch(() => client.end(true));
  }

  private createClient(): MqttClient {
    const { options } = this;
    const connectOptions: IClientOptions = {
      clientId: options.clientId,
      clean: false,
      protocolVersion: this.protocolVersion,
      reconnectPeriod: 1_000,
      connectTimeout: 10_000,
      keepalive: 30,
      // Subscribing on every connect (below) also covers a session the broker has forgotten.
      resubscribe: false,
      // mqtt-packet's write cache is 65 536 pre-built message-id buffers (6 MiB of heap) for a
      // little speed on writes; the gateway writes few packets but PUBACKs, and runs on a Pi.
      writeCache: false,
      will: { topic: options.will.topic, payload: Buffer.from(options.will.payload), qos: 1, retain: true },
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    };
    if (this.protocolVersion === 5) {
      connectOptions.properties = {
        sessionExpiryInterval: SESSION_EXPIRY_S,
        receiveMaximum: options.receiveMaximum,
      };
    }
    const client = mqtt.connect(options.url, connectOptions);
    this.holdAcknowledgements(client);

    client.on("connect", (connack) => {
      const resumed = connack.sessionPresent;
      this.status.connected = true;
      this.status.connectedAt = Date.now();
      this.firstConnect?.();
      this.firstConnect = null;
      this.status.lastError = null;
      options.logger.info(
        { url: redactUrl(options.url), protocolVersion: this.protocolVersion, sessionPresent: resumed },
        `connected to MQTT broker ${redactUrl(options.url)}`,
      );
      client.subscribe(options.filters, { qos: 1 }, (error) => {
        if (error) options.logger.error({ err: error }, "MQTT subscribe failed");
      });
      for (const filter of this.watched.keys()) this.subscribeWatch(client, filter);
      if (this.unwatched.size > 0) client.unsubscribe([...this.unwatched]);
      this.unwatched.clear();
      client.publish(options.birth.topic, options.birth.payload, { qos: 1, retain: true });
      for (const [topic, payload] of this.retained) client.publish(topic, payload, { qos: 1, retain: true });
    });
    client.on("message", (topic, payload, packet) => this.dispatch(topic, payload, packet));
    client.on("close", () => {
      if (client === this.client) this.onLoss();
    });
    client.on("reconnect", () => {
      this.status.reconnects += 1;
    });
    client.on("error", (error: Error & { code?: number }) => {
      this.status.lastError = error.message;
      if (
        this.protocolVersion === 5 &&
        (error.code === 1 || error.code === 132) &&
        this.status.connectedAt === null
      ) {
        options.logger.warn("the broker does not speak MQTT 5; reconnecting with MQTT 3.1.1");
        this.protocolVersion = 4;
        client.end(true);
        this.client = this.createClient();
        return;
      }
      this.logLoss(`MQTT error: ${error.message}`);
    });
    return client;
  }

  private subscribeWatch(client: MqttClient, filter: string): void {
    client.subscribe(filter, { qos: 0 }, (error) => {
      if (error) {
        this.options.logger.error({ err: error, filter }, "MQTT subscribe failed");
        return;
      }
      const watch = this.watched.get(filter);
      watch?.granted?.();
      if (watch) watch.granted = null;
    });
  }

  private watcherOf(topic: string): WatchHandler | null {
    for (const [filter, watch] of this.watched) {
      if (topicMatches(filter, topic)) return watch.handler;
    }
    return null;
  }

  private dispatch(topic: string, payload: Buffer, packet: mqtt.IPublishPacket): void {
    const epoch = this.epoch;
    const messageId = packet.qos > 0 ? packet.messageId : undefined;
    if (messageId !== undefined) this.held.set(messageId, { packet: null, released: false });
    let acked = false;
    const ack = (): void => {
      if (acked || messageId === undefined || epoch !== this.epoch) return;
      acked = true;
      this.release(messageId);
    };
    const watcher = this.watcherOf(topic);
    if (watcher) {
      watcher(topic, payload, packet.retain === true);
      ack();
      return;
    }
    // A watch left in the persistent session by an earlier run that stopped without unwatching.
    if (!this.options.filters.some((filter) => topicMatches(filter, topic))) {
      ack();
      return;
    }
    if (this.handler) this.handler(topic, payload, ack);
    else ack();
  }

  private release(messageId: number): void {
    const held = this.held.get(messageId);
    if (!held) return;
    if (held.packet) {
      this.held.delete(messageId);
      this.sendPacket?.(held.packet);
    } else {
      held.released = true;
    }
  }

  private sendPacket: SendPacket | null = null;

  private holdAcknowledgements(client: MqttClient): void {
    const internals = client as unknown as { _sendPacket?: SendPacket };
    const original = internals._sendPacket;
    if (typeof original !== "function") {
      throw new Error(
        "mqtt.js no longer has _sendPacket: the deferred PUBACK needs updating for this mqtt version",
      );
    }
    const send: SendPacket = original.bind(client);
    this.sendPacket = send;
    internals._sendPacket = (packet, cb, cbStorePut, noStore) => {
      if (packet.cmd === "puback" && packet.messageId !== undefined) {
        const held = this.held.get(packet.messageId);
        if (held && !held.released) {
          held.packet = packet;
          // mqtt.js reads the next packet only after this callback: let it go on now.
          cb?.();
          return;
        }
        this.held.delete(packet.messageId);
      }
      send(packet, cb, cbStorePut, noStore);
    };
  }

  private onLoss(): void {
    if (this.status.connected) this.status.disconnectedAt = Date.now();
    this.status.connected = false;
    // The broker redelivers everything we did not acknowledge; acks for the old connection's
    // message ids would acknowledge the wrong messages on the new one.
    this.epoch += 1;
    this.held.clear();
    if (!this.closing) this.logLoss("MQTT connection lost; reconnecting");
  }

  private logLoss(message: string): void {
    const now = Date.now();
    if (this.closing || now - this.lastLossLog < LOSS_LOG_INTERVAL_MS) return;
    this.lastLossLog = now;
    this.options.logger.warn({ url: redactUrl(this.options.url), lastError: this.status.lastError }, message);
  }
}

/** Whether an MQTT topic filter (`+` one level, `#` the rest) matches a topic. */
export function topicMatches(filter: string, topic: string): boolean {
  const wanted = filter.split("/");
  const levels = topic.split("/");
  for (let i = 0; i < wanted.length; i++) {
    if (wanted[i] === "#") return true;
    if (i >= levels.length || (wanted[i] !== "+" && wanted[i] !== levels[i])) return false;
  }
  return wanted.length === levels.length;
}
