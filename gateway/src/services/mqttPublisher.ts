import { encodeAlerts, encodeSummary } from "../../../protocol/src/encode.js";
import { alertsTopic, summaryTopic } from "../../../protocol/src/topics.js";
import type { AlertState } from "../../../protocol/src/types.js";
import type { GatewayBus } from "../bus.js";
import type { MqttLink } from "../ingest/mqttLink.js";

/** Publishes the lot summary and alert state, retained, for anything on the broker to read. */
export class MqttPublisher {
  constructor(
    private readonly bus: GatewayBus,
    private readonly link: MqttLink,
    private readonly topicRoot: string,
  ) {}

  start(initialAlerts: AlertState): void {
    this.link.publish(alertsTopic(this.topicRoot), encodeAlerts(initialAlerts));
    this.bus.on(this, "summary", (summary) =>
      this.link.publish(summaryTopic(this.topicRoot), encodeSummary(summary)),
    );
    this.bus.on(this, "alert", ({ state }) =>
      this.link.publish(alertsTopic(this.topicRoot), encodeAlerts(state)),
    );
  }

  stop(): void {
    this.bus.removeAll(this);
  }
}
