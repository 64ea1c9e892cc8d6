import mqtt, { type MqttClient } from "mqtt";
import { encodeReport } from "../../protocol/src/encode.js";
import { reportTopic } from "../../protocol/src/topics.js";

export const TOPIC_ROOT = "parking";

export interface BenchSpot {
  zone: string;
  spot: string;
  topic: string;
}

/** `count` spots `s0001...` spread over `zones` zones `Z01...`, in order. */
export function benchSpots(count: number, zones: number): BenchSpot[] {
  const perZone = Math.ceil(count / zones);
  return Array.from({ length: count }, (_, i) => {
    const zone = `Z${String(Math.floor(i / perZone) + 1).padStart(2, "0")}`;
    const spot = `s${String(i + 1).padStart(4, "0")}`;
    return { zone, spot, topic: reportTopic(TOPIC_ROOT, zone, spot) };
  });
}

/** Report number `seq` of a spot: even is free, odd is occupied, so each one is a state change. */
export function reportPayload(seq: number): string {
  return encodeReport({
    status: seq % 2 === 0 ? "free" : "occupied",
    confidence: 0.9,
    seq,
    reason: "change",
  });
}

/**
 * One MQTT 5 client that publishes QoS 1 retained (as nodes do), keeping at most `window`
 * publishes unacknowledged by the broker, so the publisher runs as fast as the broker
 * acknowledges while its memory stays flat.
 */
export class WindowedPublisher {
  acked = 0;
  failed = 0;
  private inflight = 0;
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly client: MqttClient,
    private readonly window: number,
  ) {}

  static async connect(url: string, clientId: string, window: number): Promise<WindowedPublisher> {
    const client = await mqtt.connectAsync(url, {
      clientId,
      protocolVersion: 5,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
    });
    return new WindowedPublisher(client, window);
  }

  /** Resolves once the message is handed to the client: at once while the window has room. */
  async publish(topic: string, payload: string): Promise<void> {
    while (this.inflight >= this.window) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.inflight += 1;
    this.client.publish(topic, payload, { qos: 1, retain: true }, (error) => {
      this.inflight -= 1;
      if (error) this.failed += 1;
      else this.acked += 1;
      this.waiters.shift()?.();
    });
  }

  /** Resolves once the broker has acknowledged everything published so far. */
  async settle(): Promise<void> {
    while (this.inflight > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    await this.client.endAsync(false).catch(() => this.client.end(true));
  }
}
