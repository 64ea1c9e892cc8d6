import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { availabilityTopic } from "../../protocol/src/topics.js";

export interface FleetOptions {
  url: string;
  topicRoot: string;
  /** Client id prefix, so two simulators on one broker do not kick each other off. */
  clientPrefix: string;
  /** 0: one connection per node, as real nodes have. N: the nodes share N connections. */
  connections: number;
  /** The firmware's reconnect backoff: doubled per failed attempt, from 1 s up to 60 s. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** How many connections may be opening at once, so a large fleet does not flood the broker. */
  connectingAtOnce?: number;
}

/** One node's way to the broker. */
export interface NodeLink {
  connected(): boolean;
  publish(topic: string, payload: string | Buffer): void;
  /**
   * The connection dies without a DISCONNECT (power loss, a broker kick): the broker fires the
   * node's last will. With `stayDown` it stays down until `revive`; else it reconnects with backoff.
   */
  cut(stayDown: boolean): void;
  revive(): void;
}

interface Connection {
  client: MqttClient | undefined;
  options: IClientOptions;
  /** Nodes on this connection and what to do when it (re)connects. */
  nodes: Array<{ zone: string; spot: string; onConnect: () => void; down: boolean }>;
  backoffMs: number;
  retry: ReturnType<typeof setTimeout> | undefined;
  stayDown: boolean;
}

/**
 * The nodes' MQTT connections. Per node (the default, as in reality) each connection carries
 * the node's last will on its availability topic; shared connections (for very large lots)
 * cannot, so a node that drops off has its `offline` published for it.
 */
export class MqttFleet {
  private readonly connections: Connection[] = [];
  private readonly pending: Connection[] = [];
  private opening = 0;
  private closing = false;
  reconnects = 0;

  constructor(private readonly options: FleetOptions) {}

  /** Adds a node; its connection opens once `connectAll` runs. */
  add(zone: string, spot: string, onConnect: () => void): NodeLink {
    const { options } = this;
    const perNode = options.connections === 0;
    let connection: Connection | undefined;
    if (perNode || this.connections.length < options.connections) {
      const clientId = perNode
        ? `${options.clientPrefix}-${zone}-${spot}`
        : `${options.clientPrefix}-shared-${this.connections.length + 1}`;
      connection = {
        client: undefined,
        options: {
          clientId,
          clean: true,
          reconnectPeriod: 0,
          connectTimeout: 30_000,
          keepalive: 60,
          ...(perNode
            ? {
                will: {
                  topic: availabilityTopic(options.topicRoot, zone, spot),
                  payload: Buffer.from("offline"),
                  qos: 1,
                  retain: true,
                },
              }
            : {}),
        },
        nodes: [],
        backoffMs: options.backoffInitialMs ?? 1_000,
        retry: undefined,
        stayDown: false,
      };
      this.connections.push(connection);
    } else {
      const index = this.nodeCount % options.connections;
      connection = this.connections[index];
    }
    if (connection === undefined) throw new Error("no connection for node");
    const node = { zone, spot, onConnect, down: false };
    connection.nodes.push(node);
    const c = connection;
    const topicRoot = options.topicRoot;
    return {
      connected: () => !node.down && c.client?.connected === true,
      publish: (topic, payload) => {
        if (!node.down && c.client?.connected) c.client.publish(topic, payload, { qos: 1, retain: true });
      },
      cut: (stayDown) => {
        if (perNode) {
          node.down = stayDown;
          c.stayDown = stayDown;
          // No DISCONNECT packet: to the broker this is a dead node, so the will fires.
          c.client?.stream.destroy();
        } else if (stayDown) {
          node.down = true;
          c.client?.publish(availabilityTopic(topicRoot, zone, spot), "offline", { qos: 1, retain: true });
        } else {
          c.client?.stream.destroy();
        }
      },
      revive: () => {
        node.down = false;
        if (perNode) {
          c.stayDown = false;
          if (c.client?.connected !== true) this.reconnect(c);
        } else if (c.client?.connected) {
          c.client.publish(availabilityTopic(topicRoot, zone, spot), "online", { qos: 1, retain: true });
          node.onConnect();
        }
      },
    };
  }

  get nodeCount(): number {
    let n = 0;
    for (const c of this.connections) n += c.nodes.length;
    return n;
  }

  /** Nodes whose connection is up (and that are not powered off). */
  get connectedCount(): number {
    let n = 0;
    for (const c of this.connections) {
      if (c.client?.connected) for (const node of c.nodes) if (!node.down) n += 1;
    }
    return n;
  }

  /**
   * Opens every connection, a bounded number at a time, and resolves once all nodes are
   * connected or `timeoutMs` passed; returns how many are connected.
   */
  async connectAll(
    timeoutMs: number,
    onProgress?: (connected: number, total: number) => void,
  ): Promise<number> {
    this.pending.push(...this.connections);
    this.pump();
    const total = this.nodeCount;
    const deadline = Date.now() + timeoutMs;
    while (this.connectedCount < total && Date.now() < deadline && !this.closing) {
      onProgress?.(this.connectedCount, total);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    onProgress?.(this.connectedCount, total);
    return this.connectedCount;
  }

  private pump(): void {
    const limit = this.options.connectingAtOnce ?? 100;
    while (this.opening < limit && this.pending.length > 0 && !this.closing) {
      const connection = this.pending.shift();
      if (connection !== undefined) this.open(connection);
    }
  }

  private open(connection: Connection): void {
    this.opening += 1;
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      this.opening -= 1;
      this.pump();
    };
    const client = mqtt.connect(this.options.url, connection.options);
    connection.client = client;
    client.on("connect", () => {
      settle();
      connection.backoffMs = this.options.backoffInitialMs ?? 1_000;
      for (const node of connection.nodes) {
        if (node.down) continue;
        client.publish(availabilityTopic(this.options.topicRoot, node.zone, node.spot), "online", {
          qos: 1,
          retain: true,
        });
        node.onConnect();
      }
    });
    client.on("close", () => {
      settle();
      if (!this.closing && !connection.stayDown) this.scheduleReconnect(connection);
    });
    // Errors end in "close"; the status line counts connected nodes and reconnects.
    client.on("error", () => {});
  }

  private scheduleReconnect(connection: Connection): void {
    if (connection.retry !== undefined) return;
    const delay = connection.backoffMs;
    connection.backoffMs = Math.min(delay * 2, this.options.backoffMaxMs ?? 60_000);
    connection.retry = setTimeout(() => {
      connection.retry = undefined;
      this.reconnect(connection);
    }, delay);
  }

  private reconnect(connection: Connection): void {
    if (this.closing || connection.client?.connected) return;
    this.reconnects += 1;
    connection.client?.reconnect();
  }

  /**
   * Nodes leave cleanly: `offline` retained for each, then a normal disconnect. A connection
   * that cannot say goodbye within CLOSE_WAIT_MS (cut a moment ago, its broker gone) is closed
   * anyway; the broker then fires its will, which says the same.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.pending.length = 0;
    const { topicRoot } = this.options;
    await Promise.all(
      this.connections.map(async (connection) => {
        if (connection.retry !== undefined) clearTimeout(connection.retry);
        const client = connection.client;
        if (client === undefined) return;
        if (client.connected) {
          const goodbyes = Promise.all(
            connection.nodes.map((node) =>
              client
                .publishAsync(availabilityTopic(topicRoot, node.zone, node.spot), "offline", {
                  qos: 1,
                  retain: true,
                })
                .catch(() => undefined),
            ),
          );
          await within(goodbyes, CLOSE_WAIT_MS);
        }
        const ended = await within(
          client.endAsync(!client.connected).catch(() => undefined),
          CLOSE_WAIT_MS,
        );
        if (!ended) await client.endAsync(true).catch(() => undefined);
      }),
    );
  }
}

const CLOSE_WAIT_MS = 3_000;

/** Whether `promise` settled within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
