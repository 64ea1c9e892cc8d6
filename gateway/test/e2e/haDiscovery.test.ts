import mqtt, { type MqttClient } from "mqtt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Mosquitto, startMosquitto } from "../../../testkit/mosquitto.js";
import { eventually, getJson, startTestGateway, type TestGateway, tempDir } from "../support/gateway.js";

const OWN = "homeassistant/+/parking_parking/+/config";
const spotConfig = (zone: string, spot: string) =>
  `homeassistant/binary_sensor/parking_parking/${zone}_${spot}/config`;
const sensorConfig = (object: string) => `homeassistant/sensor/parking_parking/${object}/config`;

/** What the broker retains under `filter` now, as a client that just connected sees it. */
async function retainedUnder(url: string, filter: string): Promise<Map<string, string>> {
  const client = await mqtt.connectAsync(url, {
    clientId: `test-reader-${Math.random().toString(36).slice(2)}`,
  });
  const found = new Map<string, string>();
  client.on("message", (topic, payload, packet) => {
    if (packet.retain) found.set(topic, payload.toString());
  });
  await client.subscribeAsync(filter, { qos: 1 });
  // Mosquitto sends the retained set right after granting the subscription.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await client.endAsync();
  return found;
}

describe("Home Assistant discovery with Mosquitto", () => {
  let mosquitto: Mosquitto;
  let gateway: TestGateway | null = null;
  let clients: MqttClient[] = [];

  const connect = async (clientId: string): Promise<MqttClient> => {
    const client = await mqtt.connectAsync(mosquitto.url, { clientId });
    clients.push(client);
    return client;
  };

  const report = (client: MqttClient, zone: string, spot: string, status: string) =>
    Promise.all([
      client.publishAsync(`parking/${zone}/${spot}/availability`, "online", { qos: 1, retain: true }),
      client.publishAsync(
        `parking/${zone}/${spot}`,
        JSON.stringify({ status, confidence: 0.9, distance_cm: 42 }),
        { qos: 1, retain: true },
      ),
    ]);

  beforeEach(async () => {
    mosquitto = await startMosquitto(tempDir("parking-ha-mosquitto-"));
  });

  afterEach(async () => {
    for (const client of clients) await client.endAsync();
    clients = [];
    await gateway?.dispose();
    gateway = null;
    await mosquitto.stop();
  });

  it("announces spots and counts, re-announces when Home Assistant comes online, and removes retired spots", async () => {
    const installer = await connect("test-installer");
    // Left by an earlier run whose database has since been reset, and one of another integration.
    await installer.publishAsync(spotConfig("Zone_X", "gone"), JSON.stringify({ name: "gone" }), {
      qos: 1,
      retain: true,
    });
    await installer.publishAsync("homeassistant/binary_sensor/other_bridge/door/config", "{}", {
      qos: 1,
      retain: true,
    });

    gateway = await startTestGateway({ mqttUrl: mosquitto.url, haDiscovery: "true" });
    const node = await connect("test-node");
    await report(node, "Zone_A", "place_1", "occupied");
    await report(node, "Zone_A", "place_2", "free");
    await report(node, "Zone_B", "place_1", "free");

    const wanted = [
      spotConfig("Zone_A", "place_1"),
      spotConfig("Zone_A", "place_2"),
      spotConfig("Zone_B", "place_1"),
      sensorConfig("free"),
      sensorConfig("occupancy_rate"),
      sensorConfig("Zone_A_free"),
      sensorConfig("Zone_B_free"),
    ].sort();
    const configs = await eventually(
      async () => {
        const retained = await retainedUnder(mosquitto.url, OWN);
        return [...retained.keys()].sort().join() === wanted.join() ? retained : undefined;
      },
      15_000,
      "exactly our configs retained, the retired spot's gone",
    );

    const spot = JSON.parse(configs.get(spotConfig("Zone_A", "place_1")) ?? "{}");
    expect(spot).toMatchObject({
      device_class: "occupancy",
      unique_id: "parking_parking_Zone_A_place_1",
      state_topic: "parking/Zone_A/place_1",
      json_attributes_topic: "parking/Zone_A/place_1",
      availability: [
        { topic: "parking/Zone_A/place_1/availability" },
        { topic: "parking/gateway/availability" },
      ],
      availability_mode: "all",
      device: { identifiers: ["parking_parking_Zone_A"] },
      origin: { name: "smart-parking" },
    });
    const zoneFree = JSON.parse(configs.get(sensorConfig("Zone_B_free")) ?? "{}");
    expect(zoneFree).toMatchObject({
      state_topic: "parking/summary",
      unit_of_measurement: "spots",
      state_class: "measurement",
    });
    // What the sensors read is there too.
    const summary = await retainedUnder(mosquitto.url, "parking/summary");
    expect(JSON.parse(summary.get("parking/summary") ?? "{}")).toMatchObject({
      free: 2,
      occupied: 1,
      zones: { Zone_A: { free: 1 }, Zone_B: { free: 1 } },
    });
    expect(
      (await retainedUnder(mosquitto.url, "homeassistant/#")).has(
        "homeassistant/binary_sensor/other_bridge/door/config",
      ),
    ).toBe(true);

    // Home Assistant restarts: its birth message asks for every config again, delivered live.
    const watcher = await connect("test-ha-watcher");
    const live: string[] = [];
    watcher.on("message", (topic, payload, packet) => {
      if (!packet.retain && payload.length > 0) live.push(topic);
    });
    await watcher.subscribeAsync(OWN, { qos: 1 });
    const homeAssistant = await connect("test-home-assistant");
    await homeAssistant.publishAsync("homeassistant/status", "online", { qos: 0 });
    await eventually(
      async () => ([...new Set(live)].sort().join() === wanted.join() ? true : undefined),
      5_000,
      "every config sent again after Home Assistant's birth",
    );
  });

  it("announces a spot that appears later, and publishes nothing when the setting is off", async () => {
    const first = await startTestGateway({ mqttUrl: mosquitto.url });
    const node = await connect("test-node");
    await report(node, "Zone_A", "place_1", "free");
    await eventually(
      async () =>
        (await getJson<{ total: number }>(`${first.baseUrl}/api/current`)).body.total === 1
          ? true
          : undefined,
      5_000,
      "the gateway to know the spot",
    );
    expect([...(await retainedUnder(mosquitto.url, "homeassistant/#")).keys()]).toEqual([]);
    await first.stop();

    // The same lot and store, now with discovery: the spot it knows, and one that appears after start.
    gateway = await startTestGateway(
      { mqttUrl: mosquitto.url, haDiscovery: "true", haPrefix: "ha" },
      first.dir,
    );
    await report(node, "Zone_C", "p9", "occupied");
    await eventually(
      async () => {
        const retained = await retainedUnder(mosquitto.url, "ha/#");
        return [
          "ha/binary_sensor/parking_parking/Zone_A_place_1/config",
          "ha/binary_sensor/parking_parking/Zone_C_p9/config",
          "ha/sensor/parking_parking/Zone_C_free/config",
        ].every((topic) => retained.has(topic))
          ? true
          : undefined;
      },
      10_000,
      "the new spot and its zone announced under the custom prefix",
    );
    expect([...(await retainedUnder(mosquitto.url, "homeassistant/#")).keys()]).toEqual([]);
  });
});
