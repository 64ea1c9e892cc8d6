import { request } from "node:http";
import { waitFor } from "./support/gateway.js";
import { benchSpots, reportPayload, WindowedPublisher } from "./support/publisher.js";
import type { Rig } from "./support/rig.js";
import { type Distribution, distribution } from "./support/stats.js";

export interface FanoutOptions {
  clients: number;
  spots: number;
  zones: number;
  /** Reports per second, each one a state change, so each is one `spot` event for every client. */
  rate: number;
  durationS: number;
  /** Clients opened at once while connecting. */
  connectBatch: number;
}

export interface FanoutResult {
  clients: number;
  /** Clients the gateway counted as connected before publishing. */
  connected: number;
  sent: number;
  sentPerS: number;
  /** sent × clients. */
  expected: number;
  received: number;
  /** Publish → `spot` event at one client, over every client and event, ms. */
  latency: Distribution;
  /** Connections that ended before the run did. */
  clientsClosed: number;
  droppedSlowClients: number;
  gatewayCpuPercent: number;
  benchCpuPercent: number;
}

/** How long to wait for the last events after the last publish. */
const GRACE_MS = 5_000;
const SPOT_EVENT = "event: spot\n";

interface Client {
  close(): void;
  closed: boolean;
}

/**
 * One SSE client on raw node:http (`agent: false`: one socket each, no pool limit). It reads
 * only `spot` events and hands each one's zone/spot/seq key and arrival time to `onSpot`.
 */
function openClient(url: string, onSpot: (key: string, at: number) => void): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client: Client = { closed: false, close: () => req.destroy() };
    const req = request(url, { agent: false, headers: { accept: "text/event-stream" } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`GET ${url} answered ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding("utf8");
      let buffer = "";
      let ready = false;
      res.on("data", (chunk: string) => {
        const at = performance.now();
        buffer += chunk;
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
          if (!ready && block.includes("data: ")) {
            ready = true; // the current summary, sent on connect
            resolve(client);
          }
          if (!block.startsWith(SPOT_EVENT)) continue;
          const from = block.indexOf("data: ") + 6;
          const to = block.indexOf("\n", from);
          const data = to < 0 ? block.slice(from) : block.slice(from, to);
          const view = JSON.parse(data) as { zone: string; spot: string; seq: number | null };
          onSpot(`${view.zone}/${view.spot}/${view.seq}`, at);
        }
      });
      res.on("close", () => {
        client.closed = true;
      });
    });
    req.on("error", (error) => {
      client.closed = true;
      reject(error);
    });
    req.end();
  });
}

/**
 * F: `clients` live-stream clients on /api/stream, all in this process with the publisher so
 * they share its clock; `rate` state changes per second for `durationS`; every client's delay
 * from publish to its `spot` event for each report.
 */
export async function runFanout({ gateway, mosquitto }: Rig, o: FanoutOptions): Promise<FanoutResult> {
  const spots = benchSpots(o.spots, o.zones);
  const publisher = await WindowedPublisher.connect(mosquitto.url, "bench-fanout", 1_000);
  const clients: Client[] = [];
  const publishedAt = new Map<string, number>();
  const latencies: number[] = [];
  let received = 0;
  try {
    // The spots exist before any client listens: their creation is not measured.
    for (const spot of spots) await publisher.publish(spot.topic, reportPayload(0));
    await publisher.settle();
    await waitFor(
      gateway,
      (h) => h.ingest.accepted >= o.spots && h.store_writer.waiting === 0,
      30_000,
      "the spots to be created",
    );
    const onSpot = (key: string, at: number): void => {
      const sentAt = publishedAt.get(key);
      if (sentAt === undefined) return;
      latencies.push(at - sentAt);
      received += 1;
    };
    const url = `${gateway.baseUrl}/api/stream`;
    for (let i = 0; i < o.clients; i += o.connectBatch) {
      const batch = Math.min(o.connectBatch, o.clients - i);
      clients.push(...(await Promise.all(Array.from({ length: batch }, () => openClient(url, onSpot)))));
    }
    const before = await waitFor(
      gateway,
      (h) => h.live.clients >= o.clients,
      30_000,
      "every client to connect",
    );

    const cpu0 = gateway.cpuSeconds() ?? 0;
    const bench0 = process.cpuUsage();
    const tickMs = 20;
    const perTick = (o.rate * tickMs) / 1000;
    const ticks = Math.round((o.durationS * 1000) / tickMs);
    const start = performance.now();
    let n = 0;
    for (let tick = 1; tick <= ticks; tick++) {
      for (const due = Math.floor(perTick * tick); n < due; n++) {
        const spot = spots[n % spots.length];
        if (!spot) continue;
        const seq = Math.floor(n / spots.length) + 1;
        publishedAt.set(`${spot.zone}/${spot.spot}/${seq}`, performance.now());
        await publisher.publish(spot.topic, reportPayload(seq));
      }
      const wait = start + tick * tickMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const elapsed = (performance.now() - start) / 1000;
    const expected = n * o.clients;
    const graceEnd = performance.now() + GRACE_MS;
    while (received < expected && performance.now() < graceEnd) await new Promise((r) => setTimeout(r, 20));
    const runS = (performance.now() - start) / 1000;
    const gatewayCpu = (gateway.cpuSeconds() ?? cpu0) - cpu0;
    const bench = process.cpuUsage(bench0);
    const after = await gateway.health();
    return {
      clients: o.clients,
      connected: before.live.clients,
      sent: n,
      sentPerS: n / elapsed,
      expected,
      received,
      latency: distribution(latencies),
      clientsClosed: clients.filter((c) => c.closed).length,
      droppedSlowClients: after.live.dropped_slow_clients - before.live.dropped_slow_clients,
      gatewayCpuPercent: (100 * gatewayCpu) / runS,
      benchCpuPercent: (100 * (bench.user + bench.system)) / 1e6 / runS,
    };
  } finally {
    for (const c of clients) c.close();
    await publisher.close();
  }
}
