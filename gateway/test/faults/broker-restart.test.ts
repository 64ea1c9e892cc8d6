import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Mosquitto, restartMosquitto, startMosquitto } from "../../../testkit/mosquitto.js";
import { startFlipStream } from "../support/flipStream.js";
import { eventually, getJson, startTestGateway, type TestGateway, tempDir } from "../support/gateway.js";

const SPOTS = 20;
const RATE_PER_S = 200;
const BEFORE_MS = 2_000;
const DOWN_MS = 1_500;
const AFTER_MS = 2_000;

interface Health {
  mqtt: { ok: boolean; reconnects: number };
  ingest: { accepted: number; duplicates: number; stale: number };
}

describe("Mosquitto restarted while reports stream in", () => {
  let dir: string;
  let mosquitto: Mosquitto;
  let gateway: TestGateway;
  let publisher: MqttClient | null = null;

  beforeAll(async () => {
    dir = tempDir("parking-broker-restart-");
    mosquitto = await startMosquitto(join(dir, "broker"));
    gateway = await startTestGateway({ mqttUrl: mosquitto.url });
  });

  afterAll(async () => {
    publisher?.end(true);
    await gateway?.dispose();
    await mosquitto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reconnects within 5 s and stores every acknowledged report exactly once", async () => {
    const health = async (): Promise<Health> => (await getJson<Health>(`${gateway.baseUrl}/api/health`)).body;
    await eventually(async () => ((await health()).mqtt.ok ? true : undefined), 10_000, "the gateway link");

    // clean:false and a fixed client id: mqtt.js keeps unacknowledged QoS 1 publishes, and those
    // made while offline, and sends them again after reconnecting.
    publisher = await mqtt.connectAsync(mosquitto.url, {
      clientId: "broker-restart-node",
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 100,
      connectTimeout: 2_000,
    });
    const stream = startFlipStream(publisher, {
      spots: SPOTS,
      ratePerS: RATE_PER_S,
      topic: (i) => `parking/R${i % 3}/s${i}`,
    });

    await new Promise((r) => setTimeout(r, BEFORE_MS));
    const ackedBeforeStop = stream.acknowledged;
    const stoppedAt = Date.now();
    await mosquitto.stop();
    await eventually(
      async () => ((await health()).mqtt.ok ? undefined : true),
      5_000,
      "the gateway to notice the broker is gone",
    );
    await new Promise((r) => setTimeout(r, Math.max(0, DOWN_MS - (Date.now() - stoppedAt))));
    const publishedWhileDown = stream.published;

    expect(existsSync(join(dir, "broker", "mosquitto", "persist", "mosquitto.db"))).toBe(true);
    mosquitto = await restartMosquitto(join(dir, "broker"), mosquitto.port);
    const listening = performance.now();
    await eventually(async () => ((await health()).mqtt.ok ? true : undefined), 10_000, "the link back");
    const reconnectMs = performance.now() - listening;
    console.log(
      `broker restart: gateway MQTT link ok ${reconnectMs.toFixed(0)} ms after Mosquitto listened again ` +
        `(${ackedBeforeStop} acked before the stop, ${publishedWhileDown} published by the end of the outage)`,
    );
    expect(reconnectMs).toBeLessThan(5_000);

    await new Promise((r) => setTimeout(r, AFTER_MS));
    await stream.stop();
    const { published, acknowledged } = stream;
    expect(stream.failures).toEqual([]);
    // Every publish, before, during and after the outage, was acknowledged by the broker.
    expect(acknowledged).toBe(published);
    expect(published).toBeGreaterThan(((BEFORE_MS + DOWN_MS + AFTER_MS) * RATE_PER_S) / 1000 - 50);

    const db = new Database(join(gateway.dir, "parking.db"), { readonly: true, fileMustExist: true });
    try {
      const count = () =>
        db
          .prepare(
            "select count(*) as n, count(distinct zone || '/' || spot || '/' || seq) as distinctReports from change_events",
          )
          .get() as { n: number; distinctReports: number };
      await eventually(
        async () => (count().n >= acknowledged ? true : undefined),
        20_000,
        `${acknowledged} change events in the store`,
      ).catch(async (error: Error) => {
        throw new Error(`${error.message}: ${JSON.stringify({ stored: count(), health: await health() })}`);
      });
      // Settle: anything redelivered late must not add a row.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(count()).toEqual({ n: acknowledged, distinctReports: acknowledged });
      const final = await health();
      expect(final.ingest.accepted).toBe(acknowledged);
      expect(final.ingest.stale).toBe(0);
      console.log(
        `broker restart: ${acknowledged} reports acknowledged and stored once each; ` +
          `${final.ingest.duplicates} redeliveries recognised as duplicates`,
      );
    } finally {
      db.close();
    }
  }, 60_000);
});
