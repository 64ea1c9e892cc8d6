import { rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Mosquitto, startMosquitto } from "../../../testkit/mosquitto.js";
import { type GatewayProcess, spawnGateway } from "../support/child.js";
import { tempDir } from "../support/gateway.js";

const SPOTS = 2_000;
const ROUNDS = 100;
const TOTAL = SPOTS * ROUNDS;
const PUBLISHERS = 4;
/** Publishes each publisher may have unacknowledged by the broker. */
const WINDOW = 500;

/**
 * A backlog of tens of thousands of reports, as after a gateway restart on a busy lot.
 * Mosquitto 2.0.11 (Debian 12) overcounts such a queue and dropped part of it with the
 * max_queued_messages we first shipped; every report must be stored.
 */
describe("a burst of reports through Mosquitto", () => {
  let dir: string;
  let mosquitto: Mosquitto;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    dir = tempDir("parking-burst-");
    mosquitto = await startMosquitto(join(dir, "broker"));
    // A process of its own, as in production: publishers here do not slow the gateway down.
    gateway = spawnGateway(mosquitto.url, join(dir, "parking.db"));
    await gateway.httpPort;
  });

  afterAll(async () => {
    gateway?.kill("SIGTERM");
    await gateway?.exited;
    await mosquitto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`stores all ${TOTAL} changes, none dropped by the broker`, async () => {
    const publishers = await Promise.all(
      Array.from({ length: PUBLISHERS }, (_, i) =>
        mqtt.connectAsync(mosquitto.url, { clientId: `burst-${i}`, protocolVersion: 5 }),
      ),
    );
    await Promise.all(
      publishers.map(async (publisher, p) => {
        const inFlight = new Set<Promise<unknown>>();
        for (let round = 1; round <= ROUNDS; round++) {
          for (let i = p; i < SPOTS; i += PUBLISHERS) {
            const payload = JSON.stringify({
              status: round % 2 ? "occupied" : "free",
              confidence: 0.9,
              seq: round,
            });
            const sent = publisher.publishAsync(`parking/Z${i % 20}/s${i}`, payload, {
              qos: 1,
              retain: true,
            });
            inFlight.add(sent);
            void sent.finally(() => inFlight.delete(sent));
            if (inFlight.size >= WINDOW) await Promise.race(inFlight);
          }
        }
        await Promise.all(inFlight);
      }),
    );
    await Promise.all(publishers.map((p) => p.endAsync()));

    const db = new Database(join(dir, "parking.db"), { readonly: true });
    try {
      let stored = 0;
      let last = -1;
      let progressAt = Date.now();
      while (stored < TOTAL && Date.now() - progressAt < 10_000) {
        stored = (db.prepare("select count(*) as n from change_events").get() as { n: number }).n;
        if (stored !== last) progressAt = Date.now();
        last = stored;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(stored, `broker log:\n${mosquitto.log().slice(-500)}`).toBe(TOTAL);
    } finally {
      db.close();
    }
  }, 120_000);
});
