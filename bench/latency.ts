import mqtt from "mqtt";
import { waitFor } from "./support/gateway.js";
import { benchSpots, reportPayload, TOPIC_ROOT, WindowedPublisher } from "./support/publisher.js";
import type { Rig } from "./support/rig.js";
import { openSse } from "./support/sse.js";
import { type Distribution, distribution } from "./support/stats.js";

export interface LatencyOptions {
  spots: number;
  zones: number;
  /** Reports per second. */
  rate: number;
  durationS: number;
  /** The schedule sends rate × tickMs / 1000 reports every tickMs. */
  tickMs: number;
}

export interface LatencyResult {
  sent: number;
  received: number;
  /** Rate actually achieved by the publisher. */
  sentPerS: number;
  /** Publish → SSE `spot` event, ms. */
  latency: Distribution;
  /**
   * The limit, in the same run: publish → the same report at a bare MQTT subscriber (QoS 1,
   * in this process) on the same broker, ms.
   */
  broker: Distribution;
  commits: number;
  droppedSseClients: number;
}

/** How long to wait for the last events after the last publish. */
const GRACE_MS = 5_000;

/**
 * Publish-to-SSE latency: one publisher on a drift-free schedule, one SSE reader, both in this
 * process so they share a clock. Latency is the time from handing report (zone, spot, seq) to
 * the MQTT client until the gateway's `spot` event for it arrives on the stream.
 */
export async function runLatency({ gateway, mosquitto }: Rig, o: LatencyOptions): Promise<LatencyResult> {
  const spots = benchSpots(o.spots, o.zones);
  const publishedAt = new Map<string, number>();
  const latencies: number[] = [];
  let onAllReceived: () => void = () => {};
  const sse = openSse(`${gateway.baseUrl}/api/stream`, (event, data, receivedAt) => {
    if (event !== "spot") return;
    const view = JSON.parse(data) as { zone: string; spot: string; seq: number | null };
    const key = `${view.zone}/${view.spot}/${view.seq}`;
    const at = publishedAt.get(key);
    if (at === undefined) return; // the spots being created, before the clock starts
    publishedAt.delete(key);
    latencies.push(receivedAt - at);
    if (publishedAt.size === 0) onAllReceived();
  });
  // The limit: the broker's own delivery of the same reports to a subscriber that does nothing.
  const mqttPending = new Map<string, number>();
  const brokerLatencies: number[] = [];
  const bare = await mqtt.connectAsync(mosquitto.url, {
    clientId: "bench-latency-bare",
    protocolVersion: 5,
    clean: true,
    reconnectPeriod: 0,
  });
  bare.on("message", (topic, payload) => {
    const at = performance.now();
    if (payload[0] !== 0x7b) return; // parking/gateway/availability: "online"
    const [, zone, spot] = topic.split("/");
    const { seq } = JSON.parse(payload.toString()) as { seq?: number };
    const key = `${zone}/${spot}/${seq}`;
    const sentAt = mqttPending.get(key);
    if (sentAt === undefined) return;
    mqttPending.delete(key);
    brokerLatencies.push(at - sentAt);
  });
  const publisher = await WindowedPublisher.connect(mosquitto.url, "bench-latency", 1_000);
  try {
    await bare.subscribeAsync(`${TOPIC_ROOT}/+/+`, { qos: 1 });
    await sse.ready;
    for (const spot of spots) await publisher.publish(spot.topic, reportPayload(0));
    await publisher.settle();
    const before = await waitFor(
      gateway,
      (h) => h.ingest.accepted >= o.spots && h.store_writer.waiting === 0,
      30_000,
      "the spots to be created",
    );

    const perTick = Math.round((o.rate * o.tickMs) / 1000);
    const ticks = Math.round((o.durationS * 1000) / o.tickMs);
    const start = performance.now();
    let n = 0;
    for (let tick = 0; tick < ticks; tick++) {
      // Due times come from the start, not from the last tick, so lateness does not add up.
      const wait = start + tick * o.tickMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      for (let i = 0; i < perTick; i++, n++) {
        const spot = spots[n % spots.length];
        if (!spot) continue;
        const seq = Math.floor(n / spots.length) + 1;
        const key = `${spot.zone}/${spot.spot}/${seq}`;
        const now = performance.now();
        publishedAt.set(key, now);
        mqttPending.set(key, now);
        await publisher.publish(spot.topic, reportPayload(seq));
      }
    }
    const sentPerS = n / ((performance.now() - start) / 1000);
    if (publishedAt.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, GRACE_MS);
        onAllReceived = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const after = await gateway.health();
    return {
      sent: n,
      received: latencies.length,
      sentPerS,
      latency: distribution(latencies),
      broker: distribution(brokerLatencies),
      commits: after.store_writer.commits - before.store_writer.commits,
      droppedSseClients: after.live.dropped_slow_clients,
    };
  } finally {
    sse.close();
    await publisher.close();
    await bare.endAsync(false).catch(() => bare.end(true));
  }
}
