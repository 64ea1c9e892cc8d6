import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, getJson, startTestGateway, type TestGateway } from "../support/gateway.js";

interface Health {
  status: string;
  ingest: { rejected: Record<string, number>; rejected_total: number; accepted: number };
}

/** Each bad message of the issue, on the topic where a node would send it, with the reason it must get. */
const BAD_MESSAGES: Array<[string, string, string | Buffer, string]> = [
  ["payload not JSON", "parking/Zone_A/place_1", "free please", "not_json"],
  ["a JSON array", "parking/Zone_A/place_1", '["free",0.9]', "not_object"],
  ["missing status", "parking/Zone_A/place_1", '{"confidence":0.9}', "missing_field"],
  ['status "maybe"', "parking/Zone_A/place_1", '{"status":"maybe","confidence":0.9}', "invalid_field"],
  ["confidence 1.5", "parking/Zone_A/place_1", '{"status":"free","confidence":1.5}', "invalid_field"],
  ["confidence -1", "parking/Zone_A/place_1", '{"status":"free","confidence":-1}', "invalid_field"],
  ['confidence "high"', "parking/Zone_A/place_1", '{"status":"free","confidence":"high"}', "invalid_field"],
  [
    "a 10 KB payload",
    "parking/Zone_A/place_1",
    `{"status":"free","confidence":0.9,"pad":"${"x".repeat(10_240)}"}`,
    "oversize",
  ],
  [
    "body zone differing from the topic's",
    "parking/Zone_A/place_1",
    '{"zone":"Zone_B","status":"free","confidence":0.9}',
    "zone_mismatch",
  ],
  ["a reserved zone name", "parking/summary/place_1", '{"status":"free","confidence":0.9}', "reserved_zone"],
  ["a space in the zone", "parking/Zone A/place_1", '{"status":"free","confidence":0.9}', "invalid_topic"],
  ["an @ in the spot", "parking/Zone_A/pl@ce", '{"status":"free","confidence":0.9}', "invalid_topic"],
  [
    "random binary",
    "parking/Zone_A/place_1",
    Buffer.from([0xff, 0xfe, 0x00, 0x9c, 0x80, 0x7b, 0x01]),
    "not_json",
  ],
  ["a bad availability word", "parking/Zone_A/place_1/availability", "maybe", "invalid_availability"],
];

describe("bad input over MQTT", () => {
  let gateway: TestGateway;
  let node: MqttClient;

  beforeAll(async () => {
    gateway = await startTestGateway();
    node = await mqtt.connectAsync(gateway.mqttUrl, { clientId: "test-bad-node" });
  });

  afterAll(async () => {
    await node?.endAsync();
    await gateway?.dispose();
  });

  it.each(BAD_MESSAGES)(
    "rejects %s, counts it, stores nothing and keeps serving",
    async (_what, topic, payload, reason) => {
      const before = (await getJson<Health>(`${gateway.baseUrl}/api/health`)).body;
      await node.publishAsync(topic, payload, { qos: 1 });
      const after = await eventually(
        async () => {
          const health = (await getJson<Health>(`${gateway.baseUrl}/api/health`)).body;
          return health.ingest.rejected_total > before.ingest.rejected_total ? health : undefined;
        },
        5_000,
        "the rejection to be counted",
      );
      expect(after.ingest.rejected[reason]).toBe((before.ingest.rejected[reason] ?? 0) + 1);
      expect(after.ingest.rejected_total).toBe(before.ingest.rejected_total + 1);
      expect(after.ingest.accepted).toBe(before.ingest.accepted);
      expect(after.status).toBe("ok");

      const current = await getJson<{ total: number }>(`${gateway.baseUrl}/api/current`);
      expect(current.body.total).toBe(0);
      const history = await getJson<{ count: number }>(`${gateway.baseUrl}/api/history`);
      expect(history.body.count).toBe(0);
    },
  );

  it("still ingests a good report after all of that", async () => {
    await node.publishAsync("parking/Zone_A/place_1", '{"status":"occupied","confidence":0.8}', { qos: 1 });
    const current = await eventually(async () => {
      const body = (await getJson<{ total: number; occupied: number }>(`${gateway.baseUrl}/api/current`))
        .body;
      return body.total === 1 ? body : undefined;
    });
    expect(current.occupied).toBe(1);
  });
});

describe("bad query parameters", () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway();
  });

  afterAll(async () => {
    await gateway?.dispose();
  });

  it.each([
    ["/api/history?limit=20000", "limit"],
    ["/api/history?limit=0", "limit"],
    ["/api/history?limit=ten", "limit"],
    ["/api/history?from=yesterday", "from"],
    ["/api/history?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from"],
    ["/api/history?zone=Zone%20A", "zone"],
    ["/api/history?cursor=not-a-cursor", "cursor"],
    ["/api/history?form=2026-01-01", "form"],
    ["/api/events?limit=-5", "limit"],
    ["/api/stats/hourly?to=13/45/2026", "to"],
    ["/api/occupancy?step=0", "step"],
    ["/api/export.csv?from=soon", "from"],
    ["/api/export.xlsx?zone=../../etc", "zone"],
    ["/api/alerts?limit=99999", "limit"],
  ])("%s answers 400 naming %s", async (path, parameter) => {
    const response = await getJson<{ success: boolean; error: string }>(`${gateway.baseUrl}${path}`);
    expect(response.status).toBe(400);
    expect(response.body.success).toBe(false);
    expect(response.body.error).toContain(parameter);
  });

  it("answers 404 with a sentence for an unknown route", async () => {
    const response = await getJson<{ error: string }>(`${gateway.baseUrl}/api/nothing`);
    expect(response.status).toBe(404);
    expect(response.body.error).toContain("/api/nothing");
  });
});
