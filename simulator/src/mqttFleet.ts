import mqtt, { type MqttClient } from "mqtt";
import { encodeReport } from "../../protocol/src/encode.js";
import { availabilityTopic, reportTopic } from "../../protocol/src/topics.js";
import type { SpotReport } from "../../protocol/src/types.js";

export interface FleetOptions {
  url: string;
  topicRoot: string;
  /** Client id prefix, so two simulators on one broker do not kick each other off. */
  clientPrefix: string;
}

/**
 * One MQTT connection per node, as real nodes have: each with its last will on its
 * availability topic, so a node that drops off shows as offline.
 */
export class MqttFleet {
  private readonly clients = new Map<string, MqttClient>();

  constructor(private readonly options: FleetOptions) {}

  connect(zone: string, spot: string, onConnect: () => void): void {
    const { options } = this;
    const client = mqtt.connect(options.url, {
      clientId: `${options.clientPrefix}-${zone}-${spot}`,
      clean: true,
      reconnectPeriod: 2_000,
      will: {
        topic: availabilityTopic(options.topicRoot, zone, spot),
        payload: Buffer.from("offline"),
        qos: 1,
        retain: true,
      },
    });
    client.on("connect", () => {
      client.publish(availabilityTopic(options.topicRoot, zone, spot), "online", { qos: 1, retain: true });
      onConnect();
    });
    // Errors surface as reconnects; the simulator's status line counts connected nodes.
    client.on("error", () => {});
    this.clients.set(`${zone}/${spot}`, client);
  }

  publish(zone: string, spot: string, report: SpotReport): void {
    const client = this.clients.get(`${zone}/${spot}`);
    if (!client?.connected) return;
    client.publish(reportTopic(this.options.topicRoot, zone, spot), encodeReport(report), {
      qos: 1,
      retain: true,
    });
  }

  get connectedCount(): number {
    let n = 0;
    for (const client of this.clients.values()) if (client.connected) n += 1;
    return n;
  }

  /** Nodes leave cleanly: `offline` retained, then a normal disconnect. */
  async close(): Promise<void> {
    const { topicRoot } = this.options;
    await Promise.all(
      [...this.clients.entries()].map(async ([key, client]) => {
        const [zone = "", spot = ""] = key.split("/");
        if (client.connected) {
          await client
            .publishAsync(availabilityTopic(topicRoot, zone, spot), "offline", { qos: 1, retain: true })
            .catch(() => undefined);
        }
        await client.endAsync(true).catch(() => undefined);
      }),
    );
    this.clients.clear();
  }
}
