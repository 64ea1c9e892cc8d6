import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, getJson, startTestGateway } from "../../gateway/test/support/gateway.js";
import { type ProductionBroker, startProductionBroker } from "./support/broker.js";
import { Clients, report, waitFor } from "./support/clients.js";

/** mosquitto/mosquitto.conf with users and ACL from `parking mqtt-users`, on a real Mosquitto. */
describe("production Mosquitto", () => {
  let broker: ProductionBroker;
  const clients = new Clients();

  beforeAll(async () => {
    broker = await startProductionBroker("Zone_A:place_1,place_2,place_3;Zone_B:place_1");
  });
  afterAll(async () => {
    await clients.closeAll();
    await broker?.dispose();
  });

  it("refuses anonymous clients and wrong passwords on every listener", async () => {
    const { mqtt: port, ws } = broker.ports;
    const once = { reconnectPeriod: 0, connectTimeout: 5_000 };
    await expect(mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, once)).rejects.toThrow(/Not authorized/);
    await expect(mqtt.connectAsync(`ws://127.0.0.1:${ws}`, once)).rejects.toThrow(/Not authorized/);
    await expect(
      mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { ...once, username: "gateway", password: "wrong" }),
    ).rejects.toThrow(/Not authorized|Bad username or password/);
    await expect(
      mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        ...once,
        username: "node-Zone_A-place_1",
        password: broker.password("node-Zone_A-place_2"),
      }),
    ).rejects.toThrow(/Not authorized|Bad username or password/);
  });

  it("delivers a node's report on its own spot and drops what it publishes anywhere else", async () => {
    const watch = await clients.subscriber(broker.url("gateway"), "#");
    const node = await clients.connect(broker.url("node-Zone_A-place_1"), {
      will: {
        topic: "parking/Zone_A/place_1/availability",
        payload: Buffer.from("offline"),
        qos: 1,
        retain: true,
      },
    });
    // MQTT 3.1.1 has no way to refuse a publish: Mosquitto acknowledges and drops it. Its own
    // report, sent last on the same connection, arriving means the others had their chance.
    for (const topic of [
      "parking/Zone_A/place_2",
      "parking/Zone_B/place_1",
      "parking/Zone_A/place_2/availability",
      "parking/Zone_A/place_2/config",
      "parking/summary",
      "parking/alerts",
      "parking/gateway/availability",
      "homeassistant/binary_sensor/x/config",
      "parking/Zone_A/place_1/extra",
    ]) {
      await node.publishAsync(topic, report("occupied", 1), { qos: 1, retain: true });
    }
    await node.publishAsync("parking/Zone_A/place_1/availability", "online", { qos: 1, retain: true });
    await node.publishAsync("parking/Zone_A/place_1", report("occupied", 2), { qos: 1, retain: true });
    const own = await waitFor(watch.received, "parking/Zone_A/place_1");
    expect(JSON.parse(own.payload)).toMatchObject({ status: "occupied", seq: 2 });
    expect(watch.received.map((m) => m.topic)).toEqual([
      "parking/Zone_A/place_1/availability",
      "parking/Zone_A/place_1",
    ]);
  });

  it("lets a node read its own config and no other", async () => {
    const gateway = await clients.connect(broker.url("gateway"));
    await gateway.publishAsync("parking/Zone_A/place_2/config", '{"threshold_cm":90}', {
      qos: 1,
      retain: true,
    });
    await gateway.publishAsync("parking/Zone_A/place_3/config", '{"threshold_cm":80}', {
      qos: 1,
      retain: true,
    });
    const own = await clients.subscriber(broker.url("node-Zone_A-place_3"), "parking/Zone_A/place_3/config");
    const other = await clients.subscriber(
      broker.url("node-Zone_A-place_3"),
      "parking/Zone_A/place_2/config",
    );
    expect((await waitFor(own.received, "parking/Zone_A/place_3/config")).payload).toBe(
      '{"threshold_cm":80}',
    );
    // The node clears a one-shot setting by re-publishing its config.
    await own.client.publishAsync("parking/Zone_A/place_3/config", "{}", { qos: 1, retain: true });
    await eventually(async () => (own.received.some((m) => m.payload === "{}") ? true : undefined));
    expect(other.received).toEqual([]);
  });

  it("lets the viewer read everything over WebSockets and publish nothing", async () => {
    const viewer = await clients.subscriber(broker.url("viewer", "ws"), "parking/Zone_B/#");
    const watch = await clients.subscriber(broker.url("gateway"), "parking/Zone_B/#");
    for (const topic of ["parking/Zone_B/place_1", "parking/summary", "parking/Zone_B/place_1/config"]) {
      await viewer.client.publishAsync(topic, report("free", 1), { qos: 1, retain: true });
    }
    const node = await clients.connect(broker.url("node-Zone_B-place_1"));
    await node.publishAsync("parking/Zone_B/place_1", report("occupied", 7), { qos: 1, retain: true });
    expect((await waitFor(viewer.received, "parking/Zone_B/place_1")).payload).toBe(report("occupied", 7));
    await waitFor(watch.received, "parking/Zone_B/place_1");
    expect(watch.received.map((m) => m.payload)).toEqual([report("occupied", 7)]);
    const summary = await clients.subscriber(broker.url("gateway"), "parking/summary");
    await new Promise((r) => setTimeout(r, 200));
    expect(summary.received.filter((m) => m.payload === report("free", 1))).toEqual([]);
  });

  it("carries the gateway: reports reach /api/current and its retained summary is kept", async () => {
    const gateway = await startTestGateway({ mqttUrl: broker.url("gateway") });
    try {
      const node = await clients.connect(broker.url("node-Zone_A-place_2"));
      await node.publishAsync("parking/Zone_A/place_2", report("occupied", 3), { qos: 1, retain: true });
      const current = await eventually(
        async () => {
          const { body } = await getJson<{
            occupied: number;
            spots: { zone: string; spot: string; status: string }[];
          }>(`${gateway.baseUrl}/api/current`);
          const spot = body.spots.find((s) => s.zone === "Zone_A" && s.spot === "place_2");
          return spot?.status === "occupied" ? body : undefined;
        },
        10_000,
        "Zone_A/place_2 occupied in /api/current",
      );
      // Retained reports of earlier tests count too: the gateway reads them on subscribing.
      const viewer = await clients.subscriber(broker.url("viewer"), "parking/#");
      await eventually(
        async () => {
          const latest = viewer.received.filter((m) => m.topic === "parking/summary").at(-1);
          return latest !== undefined && JSON.parse(latest.payload).occupied === current.occupied
            ? latest
            : undefined;
        },
        10_000,
        `the gateway's retained summary with ${current.occupied} occupied`,
      );
      expect((await waitFor(viewer.received, "parking/gateway/availability")).payload).toBe("online");
      expect(viewer.received.some((m) => m.topic === "parking/alerts")).toBe(true);
    } finally {
      await gateway.dispose();
    }
  });
});
