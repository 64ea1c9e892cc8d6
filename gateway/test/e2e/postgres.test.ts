import mqtt from "mqtt";
import { describe, expect, it } from "vitest";
import { eventually, getJson, startTestGateway, type TestGateway } from "../support/gateway.js";
import { useTestDatabase } from "../support/postgres.js";

interface History {
  events: Array<{ zone: string; spot: string; state: string; previous: string | null }>;
}

describe("gateway with --db postgres://", () => {
  const testDatabase = useTestDatabase();

  it("stores a report in PostgreSQL, /api/history shows it, and stopping closes the pool", async () => {
    const database = testDatabase();
    let gateway: TestGateway | undefined = await startTestGateway({ db: database.url });
    const node = await mqtt.connectAsync(gateway.mqttUrl, { clientId: "test-node-pg" });
    try {
      await node.publishAsync(
        "parking/Zone_P/place_1",
        JSON.stringify({ status: "occupied", confidence: 0.9 }),
        {
          qos: 1,
        },
      );
      const baseUrl = gateway.baseUrl;
      const history = await eventually(
        async () => {
          const { body } = await getJson<History>(`${baseUrl}/api/history?zone=Zone_P`);
          return body.events.length > 0 ? body : undefined;
        },
        5_000,
        "the report in /api/history",
      );
      expect(history.events.map((e) => [e.zone, e.spot, e.state, e.previous])).toEqual([
        ["Zone_P", "place_1", "occupied", null],
      ]);
      const health = await getJson<{ database: { ok: boolean; engine: string } }>(`${baseUrl}/api/health`);
      expect(health.body.database).toMatchObject({ ok: true, engine: "postgres" });

      expect(await database.connections()).toBeGreaterThan(0);
      await node.endAsync();
      await gateway.dispose();
      gateway = undefined;
      expect(await database.connections()).toBe(0);
    } finally {
      await node.endAsync();
      await gateway?.dispose();
    }
  });
});
