import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spotSchema, summarySchema } from "../../src/http/schemas.js";
import { eventually, getJson, startTestGateway, type TestGateway } from "../support/gateway.js";

interface Current {
  total: number;
  zones: Record<string, unknown>;
  spots: Array<Record<string, unknown>>;
}

/**
 * `/api/current` joins cached per-spot texts instead of going through the route's response
 * schema, so this checks the answer still has exactly the documented fields, and that a spot's
 * text follows its changes.
 */
describe("GET /api/current", () => {
  let gateway: TestGateway;
  let client: MqttClient;
  const current = async () => (await getJson<Current>(`${gateway.baseUrl}/api/current`)).body;

  beforeAll(async () => {
    gateway = await startTestGateway();
    client = await mqtt.connectAsync(gateway.mqttUrl, { clientId: "test-current-feed" });
    const report = (status: string, seq: number) =>
      JSON.stringify({ status, confidence: 0.8, seq, distance_cm: 120, fw: "1.0.0", rssi: -61 });
    await client.publishAsync("parking/Zone_B/place_10", report("free", 1), { qos: 1 });
    await client.publishAsync("parking/Zone_B/place_9", report("occupied", 1), { qos: 1 });
    await client.publishAsync("parking/Zone_A/place_1", report("free", 1), { qos: 1 });
    await eventually(async () => (await current()).total === 3 || undefined, 10_000, "three spots");
  });

  afterAll(async () => {
    await client?.endAsync();
    await gateway?.dispose();
  });

  it("answers the documented fields and nothing else, spots in order", async () => {
    const response = await fetch(`${gateway.baseUrl}/api/current`);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const body = (await response.json()) as Current;
    expect(Object.keys(body).sort()).toEqual(
      ["success", ...Object.keys(summarySchema.properties), "spots"].sort(),
    );
    for (const spot of body.spots) expect(Object.keys(spot)).toEqual(Object.keys(spotSchema.properties));
    expect(body.spots.map((s) => `${s.zone}/${s.spot}`)).toEqual([
      "Zone_A/place_1",
      "Zone_B/place_9",
      "Zone_B/place_10",
    ]);
    expect(body.spots[0]).toMatchObject({ state: "free", confidence: 0.8, distance_cm: 120, fw: "1.0.0" });
  });

  it("shows a spot's new state as soon as it changes", async () => {
    await client.publishAsync(
      "parking/Zone_A/place_1",
      JSON.stringify({ status: "occupied", confidence: 0.95, seq: 2 }),
      { qos: 1 },
    );
    const spot = await eventually(
      async () => (await current()).spots.find((s) => s.spot === "place_1" && s.state === "occupied"),
      10_000,
      "place_1 occupied",
    );
    expect(spot).toMatchObject({ confidence: 0.95, seq: 2, distance_cm: null });
  });
});
