import { describeError } from "../errors.js";
import {
  DISCONNECT,
  encodeConnect,
  encodePuback,
  encodePublish,
  encodeSubscribe,
  PINGREQ,
  type PublishFields,
  type WillMessage,
  withDup,
} from "./packets.js";
import { type Packet, PacketReader } from "./reader.js";
import { utf8Decode, utf8Encode } from "./utf8.js";

/** Espruino's `net` socket; data is binary strings (one char per byte) both ways. */
export interface Socket {
  write(data: string): void;
  end(): void;
  on(event: "data", cb: (data: string) => void): void;
  on(event: "close" | "error", cb: (e?: unknown) => void): void;
}

/** Opens a TCP connection and calls `onConnected` later, once it is up, like Espruino's `net.connect`. */
export type Connect = (host: string, port: number, onConnected: () => void) => Socket;

export interface MqttOptions {
  host: string;
  port: number;
  clientId: string;
  username?: string;
  password?: string;
  will?: WillMessage;
  /** Default 30; 0 turns keep-alive off. */
  keepAliveS?: number;
  /** Time for TCP connect plus CONNACK. Default 10. */
  connectTimeoutS?: number;
  /** A QoS 1 PUBLISH without PUBACK after this long is sent again, with DUP. Default 20; 0: only on reconnect. */
  ackTimeoutS?: number;
  /** First reconnect delay, doubled per failed attempt up to `backoffMaxS`. Defaults 1 and 60. */
  backoffInitialS?: number;
  backoffMaxS?: number;
  /** Unacknowledged QoS 1 messages kept; beyond it the oldest is dropped. Default 20. */
  maxQueue?: number;
  /** Jitter source in [0, 1). Default Math.random. */
  random?: () => number;
}

export interface PublishOptions {
  qos: 0 | 1;
  retain: boolean;
}

interface Settings {
  host: string;
  port: number;
  clientId: string;
  username: string | undefined;
  password: string | undefined;
  will: WillMessage | undefined;
  keepAliveMs: number;
  connectTimeoutMs: number;
  ackTimeoutMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  maxQueue: number;
  random: () => number;
}

interface Outgoing {
  id: number;
  /** The PUBLISH as first sent, without DUP. */
  packet: string;
  sent: boolean;
  sentAt: number;
}

type Timer = ReturnType<typeof setTimeout>;

const REFUSALS = [
  "accepted",
  "unacceptable protocol version",
  "client identifier rejected",
  "server unavailable",
  "bad user name or password",
  "not authorized",
];

function noop(): void {}

/** Returns undefined so callers can write `t = cancel(t)`. */
function cancel(t: Timer | undefined): undefined {
  // Espruino's clearTimeout() without an id stops every timer of the program.
  if (t !== undefined) clearTimeout(t);
  return undefined;
}

function settle(o: MqttOptions): Settings {
  if (o.password !== undefined && o.username === undefined) {
    throw new Error("MQTT 3.1.1 allows a password only with a username");
  }
  return {
    host: o.host,
    port: o.port,
    clientId: o.clientId,
    username: o.username,
    password: o.password,
    will: o.will,
    keepAliveMs: (o.keepAliveS ?? 30) * 1000,
    connectTimeoutMs: (o.connectTimeoutS ?? 10) * 1000,
    ackTimeoutMs: (o.ackTimeoutS ?? 20) * 1000,
    backoffInitialMs: (o.backoffInitialS ?? 1) * 1000,
    backoffMaxMs: (o.backoffMaxS ?? 60) * 1000,
    maxQueue: Math.max(1, o.maxQueue ?? 20),
    random: o.random ?? Math.random,
  };
}

/**
 * MQTT 3.1.1 client for the node: QoS 0/1 publish, a last will, subscriptions, keep-alive and
 * reconnect with backoff.
 *
 * Sessions are clean: the broker keeps nothing for a node between connections. The node
 * re-subscribes on every connect, and its config topic is retained, so the latest settings
 * arrive anyway; a persistent session would only have the broker replay every config message
 * missed while away into the node's small heap. Unacknowledged QoS 1 messages stay in a
 * bounded outbox and are sent again, in order and marked DUP, on the next connection
 * (at-least-once: a subscriber may see one twice).
 */
export class MqttClient {
  onConnect: () => void = noop;
  /** After every attempt or connection that ends, with why, before the next attempt is scheduled. */
  onDisconnect: (reason: string) => void = noop;
  /** A message on a subscribed topic; payloads that are not UTF-8 are acknowledged and skipped. */
  onMessage: (topic: string, payload: string) => void = noop;

  private readonly connectFn: Connect;
  private readonly o: Settings;
  private running = false;
  private connected = false;
  private sock: Socket | undefined;
  /** Bumped whenever a socket is given up, so that its late events are ignored. */
  private gen = 0;
  private reader = new PacketReader();
  private readonly outbox: Outgoing[] = [];
  private readonly topics: string[] = [];
  private lastId = 0;
  private drops = 0;
  private backoffMs: number;
  private lastReadAt = 0;
  private lastWriteAt = 0;
  private pingOutstanding = false;
  private retryTimer: Timer | undefined;
  private connectTimer: Timer | undefined;
  private aliveTimer: Timer | undefined;
  private ackTimer: Timer | undefined;

  constructor(connect: Connect, options: MqttOptions) {
    this.connectFn = connect;
    this.o = settle(options);
    this.backoffMs = this.o.backoffInitialMs;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.open();
  }

  /** Disconnects cleanly (the broker discards the will) and stays down; the outbox is kept. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.retryTimer = cancel(this.retryTimer);
    if (this.connected) this.write(DISCONNECT);
    if (this.sock !== undefined) this.drop("stopped");
  }

  /** QoS 0 is sent only while connected; QoS 1 is kept until the broker acknowledges it. */
  publish(topic: string, payload: string, options: PublishOptions): void {
    const fields: PublishFields = {
      topic,
      payload: utf8Encode(payload),
      qos: options.qos,
      retain: options.retain,
      dup: false,
      id: 0,
    };
    if (options.qos === 0) {
      if (this.connected) this.write(encodePublish(fields));
      return;
    }
    if (this.outbox.length >= this.o.maxQueue) {
      this.outbox.shift();
      this.drops++;
    }
    fields.id = this.takeId();
    const message: Outgoing = { id: fields.id, packet: encodePublish(fields), sent: false, sentAt: 0 };
    this.outbox.push(message);
    if (this.connected) {
      this.transmit(message);
      this.armAck();
    }
  }

  /** Subscribes at QoS 1, now if connected and again on every connect. */
  subscribe(topic: string): void {
    if (this.topics.indexOf(topic) >= 0) return;
    this.topics.push(topic);
    if (this.connected) this.write(encodeSubscribe(this.takeId(), topic, 1));
  }

  isConnected(): boolean {
    return this.connected;
  }

  /** QoS 1 messages not yet acknowledged, sent or not. */
  pending(): number {
    return this.outbox.length;
  }

  /** QoS 1 messages dropped because the outbox was full. */
  dropped(): number {
    return this.drops;
  }

  private open(): void {
    const gen = ++this.gen;
    this.reader = new PacketReader();
    let s: Socket;
    try {
      s = this.connectFn(this.o.host, this.o.port, () => {
        if (gen === this.gen) this.sendConnect();
      });
    } catch (e) {
      this.onDisconnect(`cannot connect: ${describeError(e)}`);
      this.scheduleRetry();
      return;
    }
    this.sock = s;
    s.on("data", (data: string) => {
      if (gen === this.gen) this.receive(data);
    });
    s.on("close", () => {
      if (gen === this.gen) this.drop("connection closed");
    });
    s.on("error", (e?: unknown) => {
      if (gen === this.gen) this.drop(`socket error: ${describeError(e)}`);
    });
    this.connectTimer = setTimeout(() => {
      this.connectTimer = undefined;
      this.drop(`no CONNACK within ${this.o.connectTimeoutMs / 1000} s`);
    }, this.o.connectTimeoutMs);
  }

  private sendConnect(): void {
    this.write(
      encodeConnect({
        clientId: this.o.clientId,
        cleanSession: true,
        keepAliveS: this.o.keepAliveMs / 1000,
        username: this.o.username,
        password: this.o.password,
        will: this.o.will,
      }),
    );
  }

  /** Gives up the current socket and, unless stopped, schedules the next attempt. */
  private drop(reason: string): void {
    this.gen++;
    this.connectTimer = cancel(this.connectTimer);
    this.aliveTimer = cancel(this.aliveTimer);
    this.ackTimer = cancel(this.ackTimer);
    const s = this.sock;
    this.sock = undefined;
    this.connected = false;
    if (s !== undefined) s.end();
    this.onDisconnect(reason);
    if (this.running) this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== undefined) return;
    const base = this.backoffMs;
    this.backoffMs = Math.min(base * 2, this.o.backoffMaxMs);
    // Jitter keeps a lot of nodes that lost the broker together from coming back together.
    const delay = base * (0.5 + this.o.random() / 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.running) this.open();
    }, delay);
  }

  private write(data: string): void {
    if (this.sock === undefined) return;
    this.sock.write(data);
    this.lastWriteAt = Date.now();
  }

  private receive(chunk: string): void {
    this.lastReadAt = Date.now();
    this.pingOutstanding = false;
    const gen = this.gen;
    const packets = this.reader.push(chunk);
    for (const p of packets) {
      // A packet may have dropped the connection (or a callback stopped the client).
      if (gen !== this.gen) return;
      this.handle(p);
    }
  }

  private handle(p: Packet): void {
    if (p.type === "malformed") {
      this.drop(`malformed packet from the broker: ${p.reason}`);
    } else if (!this.connected) {
      if (p.type === "connack") this.accept(p.returnCode);
      else this.drop(`expected CONNACK, got ${p.type}`);
    } else if (p.type === "publish") {
      if (p.qos === 1) this.write(encodePuback(p.id));
      const payload = p.oversize ? undefined : utf8Decode(p.payload);
      if (payload !== undefined) this.onMessage(p.topic, payload);
    } else if (p.type === "puback") {
      for (let i = 0; i < this.outbox.length; i++) {
        const m = this.outbox[i];
        if (m !== undefined && m.id === p.id && m.sent) {
          this.outbox.splice(i, 1);
          break;
        }
      }
    } else if (p.type === "connack") {
      this.drop("second CONNACK");
    }
  }

  private accept(returnCode: number): void {
    this.connectTimer = cancel(this.connectTimer);
    if (returnCode !== 0) {
      const why = REFUSALS[returnCode] ?? `return code ${returnCode}`;
      this.drop(`broker refused the connection: ${why}`);
      return;
    }
    this.connected = true;
    this.backoffMs = this.o.backoffInitialMs;
    this.pingOutstanding = false;
    for (const topic of this.topics) this.write(encodeSubscribe(this.takeId(), topic, 1));
    for (const m of this.outbox) this.transmit(m);
    this.armAck();
    this.checkAlive();
    this.onConnect();
  }

  private takeId(): number {
    for (;;) {
      this.lastId = this.lastId >= 0xffff ? 1 : this.lastId + 1;
      let used = false;
      for (const m of this.outbox) if (m.id === this.lastId) used = true;
      if (!used) return this.lastId;
    }
  }

  private transmit(m: Outgoing): void {
    this.write(m.sent ? withDup(m.packet) : m.packet);
    m.sent = true;
    m.sentAt = Date.now();
  }

  private armAck(): void {
    if (this.ackTimer !== undefined || this.o.ackTimeoutMs <= 0 || !this.connected) return;
    let oldest = -1;
    for (const m of this.outbox) if (m.sent && (oldest < 0 || m.sentAt < oldest)) oldest = m.sentAt;
    if (oldest >= 0) this.startAckTimer(Math.max(10, oldest + this.o.ackTimeoutMs - Date.now()));
  }

  /**
   * A method of its own so that the arrow below is a statement: inlined into armAck, the
   * minifier puts it behind `oldest<0||(...)`, a shape that aborts Espruino builds with
   * assertions (docs/espruino.md, "Traps").
   */
  private startAckTimer(delayMs: number): void {
    this.ackTimer = setTimeout(() => {
      this.ackTimer = undefined;
      const now = Date.now();
      for (const m of this.outbox) if (now - m.sentAt >= this.o.ackTimeoutMs) this.transmit(m);
      this.armAck();
    }, delayMs);
  }

  /**
   * Pings when nothing was sent, or nothing heard, for a keep-alive period; gives the connection
   * up when the broker stays silent for 1.5 periods. Timers are re-armed from the last read and
   * write times rather than reset on every packet.
   */
  private checkAlive(): void {
    this.aliveTimer = undefined;
    const ka = this.o.keepAliveMs;
    if (ka <= 0 || !this.connected) return;
    const now = Date.now();
    if (now - this.lastReadAt >= ka * 1.5) {
      this.drop(`no packet from the broker for ${(now - this.lastReadAt) / 1000} s`);
      return;
    }
    if (!this.pingOutstanding && (now - this.lastWriteAt >= ka || now - this.lastReadAt >= ka)) {
      this.write(PINGREQ);
      this.pingOutstanding = true;
    }
    const readDeadline = this.lastReadAt + (this.pingOutstanding ? ka * 1.5 : ka);
    const next = Math.min(this.lastWriteAt + ka, readDeadline);
    this.aliveTimer = setTimeout(() => this.checkAlive(), Math.max(10, next - now));
  }
}
