import { readFileSync } from "node:fs";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, getJson, startTestGateway } from "../../gateway/test/support/gateway.js";
import { type ProductionBroker, startProductionBroker } from "./support/broker.js";
import { Clients, report, waitFor } from "./support/clients.js";

/** The 8883 listener of mosquitto/mosquitto.conf with a certificate from a private CA (openssl). */
describe("production Mosquitto over TLS", () => {
  let broker: ProductionBroker;
  const clients = new Clients();

  beforeAll(async () => {
    broker = await startProductionBroker("Zone_T:place_1");
  });
  afterAll(async () => {
    await clients.closeAll();
    await broker?.dispose();
  });

  it("serves mqtts:// to a client that trusts the CA, and only to it", async () => {
    const ca = readFileSync(broker.certs.caFile);
    const viewer = await clients.subscriber(broker.url("viewer", "mqtts"), "parking/#", { ca });
    const node = await clients.connect(broker.url("node-Zone_T-place_1", "mqtts"), { ca });
    await node.publishAsync("parking/Zone_T/place_1", report("free", 1), { qos: 1, retain: true });
    expect((await waitFor(viewer.received, "parking/Zone_T/place_1")).payload).toBe(report("free", 1));

    await expect(
      mqtt.connectAsync(broker.url("viewer", "mqtts"), { reconnectPeriod: 0, connectTimeout: 5_000 }),
    ).rejects.toThrow(/self[- ]signed|unable to (verify|get local issuer)/i);
    await expect(
      mqtt.connectAsync(`mqtts://127.0.0.1:${broker.ports.tls}`, {
        ca,
        reconnectPeriod: 0,
        connectTimeout: 5_000,
      }),
    ).rejects.toThrow(/Not authorized/);
  });

  it("carries the gateway on mqtts:// with --mqtt-ca", async () => {
    const gateway = await startTestGateway({
      mqttUrl: broker.url("gateway", "mqtts"),
      mqttCa: broker.certs.caFile,
    });
    try {
      const node = await clients.connect(broker.url("node-Zone_T-place_1"));
      await node.publishAsync("parking/Zone_T/place_1", report("occupied", 2), { qos: 1, retain: true });
      await eventually(
        async () => {
          const { body } = await getJson<{ spots: { spot: string; status: string }[] }>(
            `${gateway.baseUrl}/api/current`,
          );
          return body.spots.find((s) => s.spot === "place_1" && s.status === "occupied");
        },
        10_000,
        "Zone_T/place_1 occupied in /api/current",
      );
      const viewer = await clients.subscriber(broker.url("viewer"), "parking/gateway/availability");
      expect((await waitFor(viewer.received, "parking/gateway/availability")).payload).toBe("online");
    } finally {
      await gateway.dispose();
    }
  });
});
