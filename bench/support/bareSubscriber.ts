/**
 * The bare subscriber, run as its own process (as the gateway is): an mqtt.js MQTT 5 client with
 * the gateway's session settings that subscribes with QoS 1 to the gateway's filters, counts
 * each spot report and discards it; mqtt.js acknowledges each one at once. It tells its parent
 * the count over IPC every few milliseconds while it changes.
 *
 *   node bareSubscriber.js <mqtt-url> <topic-root>
 */
import mqtt from "mqtt";
import { subscriptionFilters } from "../../protocol/src/topics.js";

/** The gateway's MQTT session (gateway/src/ingest/mqttLink.ts, RECEIVE_MAXIMUM in gateway/src/gateway.ts). */
export const GATEWAY_SESSION_EXPIRY_S = 7 * 24 * 3600;
export const GATEWAY_RECEIVE_MAXIMUM = 10_000;
const REPORT_INTERVAL_MS = 5;

/** What the child sends its parent. */
export type BareSubscriberMessage = { ready: true } | { received: number };

async function main(url: string, root: string): Promise<void> {
  const client = await mqtt.connectAsync(url, {
    clientId: "bench-bare-subscriber",
    protocolVersion: 5,
    clean: false,
    keepalive: 30,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    properties: { sessionExpiryInterval: GATEWAY_SESSION_EXPIRY_S, receiveMaximum: GATEWAY_RECEIVE_MAXIMUM },
  });
  let received = 0;
  let told = -1;
  const reportLevels = root.split("/").length + 2; // <root>/<zone>/<spot>
  client.on("message", (topic) => {
    if (topic.split("/").length === reportLevels) received += 1;
  });
  await client.subscribeAsync(subscriptionFilters(root), { qos: 1 });
  const send = (message: BareSubscriberMessage) => process.send?.(message);
  send({ ready: true });
  setInterval(() => {
    if (received === told) return;
    told = received;
    send({ received });
  }, REPORT_INTERVAL_MS);
  process.on("disconnect", () => {
    client.end(true);
    process.exit(0);
  });
}

const [url, root] = process.argv.slice(2);
if (url && root && process.send) {
  main(url, root).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
