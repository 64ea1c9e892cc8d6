import { rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Mosquitto, startMosquitto } from "../../../testkit/mosquitto.js";
import { type GatewayProcess, spawnGateway } from "../support/child.js";
import { eventually, getJson, tempDir } from "../support/gateway.js";

const SPOTS = 100;
const CHANGES_PER_SPOT = 50;
const TOTAL = SPOTS * CHANGES_PER_SPOT;

describe("a gateway killed while reports stream in", () => {
  let dir: string;
  let mosquitto: Mosquitto;
  let gateway: GatewayProcess | null = null;

  const start = (): GatewayProcess =>
    spawnGateway(mosquitto.url, join(dir, "parking.db"), ["--mqtt-client-id", "crash-test-gateway"]);

  beforeAll(async () => {
    dir = tempDir("parking-crash-");
    mosquitto = await startMosquitto(join(dir, "broker"));
  });

  afterAll(async () => {
    gateway?.kill("SIGKILL");
    await gateway?.exited;
    await mosquitto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("stores every acknowledged report's change exactly once after SIGKILL and restart", async () => {
    gateway = start();
    const port = await gateway.httpPort;
    const publisher = await mqtt.connectAsync(mosquitto.url, {
      clientId: "crash-test-node",
      protocolVersion: 5,
    });

    // Each report flips its spot, so each must become exactly one stored change event.
    const reports: Array<{ topic: string; payload: string }> = [];
    for (let seq = 1; seq <= CHANGES_PER_SPOT; seq++) {
      for (let i = 0; i < SPOTS; i++) {
        const status = seq % 2 === 1 ? "occupied" : "free";
        reports.push({
          topic: `parking/Z${i % 4}/s${i}`,
          payload: JSON.stringify({ status, confidence: 0.9, seq, reason: "change" }),
        });
      }
    }
    const publishRange = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i += 100) {
        await Promise.all(
          reports
            .slice(i, Math.min(to, i + 100))
            .map((r) => publisher.publishAsync(r.topic, r.payload, { qos: 1, retain: true })),
        );
      }
    };

    await publishRange(0, 1_500);
    const before = gateway;
    await eventually(
      async () => {
        const health = await getJson<{ ingest: { accepted: number } }>(`http://127.0.0.1:${port}/api/health`);
        return health.body.ingest.accepted >= 500 ? true : undefined;
      },
      10_000,
      "the gateway to ingest some reports",
    );
    // Killed mid-stream: the rest of the first part is still being delivered while it dies.
    const rest = publishRange(1_500, TOTAL);
    before.kill("SIGKILL");
    expect(await before.exited).toBeNull();
    await rest;
    await publisher.endAsync();

    gateway = start();
    const restartedPort = await gateway.httpPort;
    const db = new Database(join(dir, "parking.db"), { readonly: true, fileMustExist: true });
    try {
      const counts = await eventually(
        async () => {
          const row = db
            .prepare(
              "select count(*) as n, count(distinct zone || '/' || spot || '/' || seq) as distinctReports from change_events",
            )
            .get() as { n: number; distinctReports: number };
          return row.n >= TOTAL ? row : undefined;
        },
        30_000,
        `${TOTAL} change events in the store`,
      );
      expect(counts).toEqual({ n: TOTAL, distinctReports: TOTAL });

      const current = await getJson<{ total: number; free: number; occupied: number }>(
        `http://127.0.0.1:${restartedPort}/api/current`,
      );
      // The last report of every spot is seq 50: free.
      expect(current.body).toMatchObject({ total: SPOTS, free: SPOTS, occupied: 0 });
    } finally {
      db.close();
    }
  }, 90_000);
});
