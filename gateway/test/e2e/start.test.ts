import { rmSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayProcess, spawnParking } from "../support/child.js";
import { eventually, getJson, startTestGateway, type TestGateway, tempDir } from "../support/gateway.js";

interface Current {
  total: number;
  zones: Record<string, { total: number }>;
  spots: Array<{ zone: string; spot: string; state: string; last_change: string }>;
}

/** What `npm start` runs: the gateway with the built-in simulated lot. */
describe("parking gateway --simulate", () => {
  let dir: string;
  let gateway: GatewayProcess;
  let base: string;

  beforeAll(async () => {
    dir = tempDir("parking-start-");
    gateway = spawnParking([
      "gateway",
      "--simulate",
      "--db",
      join(dir, "parking.db"),
      "--http-port",
      "0",
      "--mqtt-port",
      "0",
      "--mqtt-ws-port",
      "0",
      "--host",
      "127.0.0.1",
    ]);
    base = `http://127.0.0.1:${await gateway.httpPort}`;
  });

  afterAll(async () => {
    gateway.kill("SIGTERM");
    await gateway.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists the original lot's 24 spots in 3 zones within 20 s, and the lot changes", async () => {
    const first = await eventually(
      async () => {
        const current = (await getJson<Current>(`${base}/api/current`)).body;
        return current.total === 24 && current.spots.every((s) => s.state !== "offline")
          ? current
          : undefined;
      },
      20_000,
      "24 spots",
    );
    expect(Object.fromEntries(Object.entries(first.zones).map(([zone, z]) => [zone, z.total]))).toEqual({
      Zone_A: 8,
      Zone_B: 6,
      Zone_C: 10,
    });
    const before = new Map(first.spots.map((s) => [`${s.zone}/${s.spot}`, s.state]));
    const changed = await eventually(
      async () => {
        const current = (await getJson<Current>(`${base}/api/current`)).body;
        return current.spots.find((s) => before.get(`${s.zone}/${s.spot}`) !== s.state);
      },
      60_000,
      "a spot to change",
    );
    expect(["free", "occupied"]).toContain(changed.state);
  }, 90_000);
});

describe("the embedded broker", () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway();
  });

  afterAll(async () => {
    await gateway?.dispose();
  });

  it("takes reports over WebSocket as well as TCP", async () => {
    const port = gateway.broker?.wsPort;
    expect(port).toBeGreaterThan(0);
    const node = await mqtt.connectAsync(`ws://127.0.0.1:${port}`, { clientId: "ws-node" });
    try {
      await node.publishAsync("parking/Zone_W/w1", '{"status":"occupied","confidence":0.8}', { qos: 1 });
      const spot = await eventually(async () =>
        (await getJson<Current>(`${gateway.baseUrl}/api/current`)).body.spots.find((s) => s.spot === "w1"),
      );
      expect(spot.state).toBe("occupied");
    } finally {
      await node.endAsync();
    }
  });

  it("describes every API route in OpenAPI at /docs", async () => {
    const spec = await getJson<{ paths: Record<string, unknown> }>(`${gateway.baseUrl}/docs/json`);
    expect(spec.status).toBe(200);
    expect(Object.keys(spec.body.paths).sort()).toEqual(
      [
        "/api/alerts",
        "/api/current",
        "/api/events",
        "/api/export.csv",
        "/api/export.xlsx",
        "/api/health",
        "/api/history",
        "/api/occupancy",
        "/api/spots/{zone}/{spot}",
        "/api/spots/{zone}/{spot}/config",
        "/api/stats/hourly",
        "/api/stats/zones",
        "/api/stream",
        "/metrics",
      ].sort(),
    );
    const page = await fetch(`${gateway.baseUrl}/docs`);
    expect(page.status).toBe(200);
  });
});

describe("a broker that speaks only MQTT 3.1.1", () => {
  let aedesHost: TestGateway;
  let gateway: TestGateway;

  beforeAll(async () => {
    // Aedes (the embedded broker) does not speak MQTT 5: the gateway must fall back to 3.1.1.
    aedesHost = await startTestGateway();
    gateway = await startTestGateway({ mqttUrl: aedesHost.mqttUrl, mqttClientId: "fallback-gateway" });
  });

  afterAll(async () => {
    await gateway?.dispose();
    await aedesHost?.dispose();
  });

  it("is reached with MQTT 3.1.1, and reports flow", async () => {
    const health = await getJson<{ mqtt: { ok: boolean } }>(`${gateway.baseUrl}/api/health`);
    expect(health.body.mqtt.ok).toBe(true);
    const node = await mqtt.connectAsync(aedesHost.mqttUrl, { clientId: "fallback-node" });
    try {
      await node.publishAsync("parking/Zone_F/f1", '{"status":"free","confidence":0.7}', { qos: 1 });
      const spot = await eventually(async () =>
        (await getJson<Current>(`${gateway.baseUrl}/api/current`)).body.spots.find((s) => s.spot === "f1"),
      );
      expect(spot.state).toBe("free");
    } finally {
      await node.endAsync();
    }
  });
});
