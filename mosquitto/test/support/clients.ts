import mqtt, { type IClientOptions, type MqttClient } from "mqtt";

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

/** MQTT clients of one test file, closed together. */
export class Clients {
  private readonly open: MqttClient[] = [];

  /** Connects without reconnecting, in MQTT 3.1.1 as the node firmware does unless told otherwise. */
  async connect(url: string, options: IClientOptions = {}): Promise<MqttClient> {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 4, ...options });
    this.open.push(client);
    return client;
  }

  /** A client subscribed to `filter` that keeps what it receives. */
  async subscriber(url: string, filter: string, options: IClientOptions = {}) {
    const client = await this.connect(url, options);
    const received: Received[] = [];
    client.on("message", (topic, payload, packet) =>
      received.push({ topic, payload: payload.toString(), retain: packet.retain }),
    );
    const granted = await client.subscribeAsync(filter, { qos: 1 });
    return { client, received, granted };
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.open.splice(0).map((c) => c.endAsync(true)));
  }
}

/** Waits until `received` has a message on `topic`, and returns it. */
export async function waitFor(received: Received[], topic: string, timeoutMs = 5_000): Promise<Received> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = received.find((m) => m.topic === topic);
    if (found !== undefined) return found;
    if (Date.now() > deadline) {
      throw new Error(`no message on ${topic} within ${timeoutMs} ms; got ${JSON.stringify(received)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function report(status: "free" | "occupied", seq: number): string {
  return JSON.stringify({ status, confidence: 0.9, seq });
}
