import { rmSync } from "node:fs";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSettings } from "../../../firmware/src/core/settings.js";
import { type Mosquitto, restartMosquitto, startMosquitto } from "../../../testkit/mosquitto.js";
import { TOKEN_REQUIRED, TOKEN_WRONG, WRITES_DISABLED } from "../../src/http/auth.js";
import { nodeConfigSchema } from "../../src/http/routes/spots.js";
import { eventually, getJson, startTestGateway, type TestGateway, tempDir } from "../support/gateway.js";

const TOKEN = "correct horse battery staple";

interface Answer {
  status: number;
  headers: Headers;
  body: { success: boolean; statusCode?: number; error?: string; topic?: string };
}

async function call(
  url: string,
  method: "PUT" | "DELETE",
  options: { token?: string; authorization?: string; body?: string; type?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  const authorization = options.authorization ?? (options.token ? `Bearer ${options.token}` : undefined);
  if (authorization !== undefined) headers.authorization = authorization;
  if (options.body !== undefined) headers["content-type"] = options.type ?? "application/json";
  const response = await fetch(url, { method, headers, body: options.body });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Answer["body"],
  };
}

/** The retained message on `topic`, or null when the broker keeps none (waits `quietMs` to be sure). */
async function retained(url: string, topic: string, quietMs = 500): Promise<string | null> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 4, clean: true });
  try {
    const got = new Promise<string>((resolve) => {
      client.on("message", (t, payload, packet) => {
        if (t === topic && packet.retain) resolve(payload.toString());
      });
    });
    await client.subscribeAsync(topic, { qos: 1 });
    return await Promise.race([got, new Promise<null>((r) => setTimeout(() => r(null), quietMs))]);
  } finally {
    await client.endAsync();
  }
}

interface Health {
  mqtt: { ok: boolean };
}

interface Current {
  total: number;
  zones: Record<string, { total: number }>;
  spots: Array<{ zone: string; spot: string }>;
}

describe("write routes with no --api-token", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway?.dispose();
  });

  it("refuse with 403 and say how to turn them on, whatever the Authorization header", async () => {
    for (const token of [undefined, "anything"]) {
      const put = await call(`${gateway.baseUrl}/api/spots/A/1/config`, "PUT", {
        token,
        body: '{"threshold_cm":150}',
      });
      expect(put.status).toBe(403);
      expect(put.body).toEqual({ success: false, statusCode: 403, error: WRITES_DISABLED });
      const del = await call(`${gateway.baseUrl}/api/spots/A/1`, "DELETE", { token });
      expect(del.status).toBe(403);
      expect(del.body.error).toBe(WRITES_DISABLED);
    }
  });

  it("leave the read routes open", async () => {
    expect((await getJson(`${gateway.baseUrl}/api/current`)).status).toBe(200);
  });
});

describe("write routes with --api-token, on a real Mosquitto", () => {
  let dir: string;
  let mosquitto: Mosquitto;
  let gateway: TestGateway;
  let node: MqttClient;

  beforeAll(async () => {
    dir = tempDir("parking-write-routes-");
    mosquitto = await startMosquitto(join(dir, "broker"));
    gateway = await startTestGateway({ mqttUrl: mosquitto.url, apiToken: TOKEN }, join(dir, "gw"));
    node = await mqtt.connectAsync(mosquitto.url, { protocolVersion: 4, clientId: "write-routes-node" });
    // As the firmware does: availability and report retained, so a gateway learns them at subscribe.
    for (const [zone, spot] of [
      ["Zone_A", "place_1"],
      ["Zone_A", "place_2"],
      ["Zone_B", "place_1"],
    ] as const) {
      await node.publishAsync(`parking/${zone}/${spot}/availability`, "online", { qos: 1, retain: true });
      await node.publishAsync(
        `parking/${zone}/${spot}`,
        JSON.stringify({ status: "occupied", confidence: 0.9, seq: 1 }),
        { qos: 1, retain: true },
      );
    }
    await eventually(
      async () =>
        (await getJson<Current>(`${gateway.baseUrl}/api/current`)).body.total === 3 ? true : undefined,
      10_000,
      "the gateway to know three spots",
    );
  });

  afterAll(async () => {
    await node?.endAsync();
    await gateway?.dispose();
    await mosquitto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Mosquitto stopped and started again on its port and persistence; resolves once the gateway
   * is back on it and has had a moment to re-send what it published retained.
   */
  async function restartBroker(): Promise<void> {
    const port = mosquitto.port;
    await mosquitto.stop();
    await eventually(
      async () => ((await getJson<Health>(`${gateway.baseUrl}/api/health`)).body.mqtt.ok ? undefined : true),
      10_000,
      "the gateway to see the broker gone",
    );
    mosquitto = await restartMosquitto(join(dir, "broker"), port);
    await eventually(
      async () => ((await getJson<Health>(`${gateway.baseUrl}/api/health`)).body.mqtt.ok ? true : undefined),
      10_000,
      "the gateway back on the broker",
    );
    await new Promise((r) => setTimeout(r, 1_000));
  }

  const configUrl = (zone = "Zone_A", spot = "place_1") =>
    `${gateway.baseUrl}/api/spots/${zone}/${spot}/config`;

  it("answer 401 with WWW-Authenticate: Bearer to a missing, wrong or non-Bearer token", async () => {
    const cases = [
      { options: {}, error: TOKEN_REQUIRED },
      { options: { token: "wrong" }, error: TOKEN_WRONG },
      { options: { token: `${TOKEN}x` }, error: TOKEN_WRONG },
      {
        options: { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString("base64")}` },
        error: TOKEN_REQUIRED,
      },
      { options: { authorization: TOKEN }, error: TOKEN_REQUIRED },
    ];
    for (const { options, error } of cases) {
      const answer = await call(configUrl(), "PUT", { ...options, body: '{"threshold_cm":150}' });
      expect(answer.status).toBe(401);
      expect(answer.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(answer.body).toEqual({ success: false, statusCode: 401, error });
      const del = await call(`${gateway.baseUrl}/api/spots/Zone_B/place_1`, "DELETE", options);
      expect(del.status).toBe(401);
    }
    // Nothing was retired by the refused DELETEs.
    expect((await getJson<Current>(`${gateway.baseUrl}/api/current`)).body.total).toBe(3);
  });

  it("counts refused writes by reason on /metrics", async () => {
    const refusals = async (): Promise<Record<string, number>> => {
      const text = await (await fetch(`${gateway.baseUrl}/metrics`)).text();
      const counts: Record<string, number> = {};
      for (const [, reason = "", value = ""] of text.matchAll(
        /^parking_api_token_refusals_total\{reason="(\w+)"\} (\d+)$/gm,
      )) {
        counts[reason] = Number(value);
      }
      return counts;
    };
    const before = await refusals();
    expect(Object.keys(before).sort()).toEqual(["disabled", "missing", "wrong"]);
    await call(configUrl(), "PUT", { token: "wrong", body: '{"threshold_cm":150}' });
    await call(configUrl(), "PUT", { token: "guess", body: '{"threshold_cm":150}' });
    await call(configUrl(), "PUT", { body: '{"threshold_cm":150}' });
    const after = await refusals();
    expect((after.wrong ?? 0) - (before.wrong ?? 0)).toBe(2);
    expect((after.missing ?? 0) - (before.missing ?? 0)).toBe(1);
    expect(after.disabled).toBe(before.disabled);
  });

  it("does not read a stranger's body: a bad token with a broken body is still 401", async () => {
    const answer = await call(configUrl(), "PUT", { token: "wrong", body: "{not json" });
    expect(answer.status).toBe(401);
  });

  it("PUT config with the token: 202, and a real subscriber receives it retained, QoS 1", async () => {
    const settings = { threshold_cm: 180, heartbeat_s: 60, calibrate: true };
    const answer = await call(configUrl(), "PUT", { token: TOKEN, body: JSON.stringify(settings) });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ success: true, topic: "parking/Zone_A/place_1/config" });
    const payload = await eventually(
      async () => (await retained(mosquitto.url, "parking/Zone_A/place_1/config")) ?? undefined,
      5_000,
      "the retained config",
    );
    expect(JSON.parse(payload)).toEqual(settings);
    // The node reads it the way the firmware does: every field valid.
    const { calibrate: _oneShot, ...rest } = settings;
    expect(readSettings(rest).errors.filter((e) => !e.includes("missing"))).toEqual([]);
  });

  it("does not undo a node's clearing of calibrate when it reconnects to a restarted broker", async () => {
    const topic = "parking/Zone_A/place_2/config";
    const put = await call(configUrl("Zone_A", "place_2"), "PUT", {
      token: TOKEN,
      body: '{"threshold_cm":150,"calibrate":true}',
    });
    expect(put.status).toBe(202);
    await eventually(
      async () => ((await retained(mosquitto.url, topic, 200))?.includes("calibrate") ? true : undefined),
      5_000,
      "the config with calibrate",
    );
    // What the firmware does once it has calibrated (node.ts, onConfig): the same config, without the flag.
    await node.publishAsync(topic, JSON.stringify({ threshold_cm: 150 }), { qos: 1, retain: true });
    await new Promise((r) => setTimeout(r, 500));

    await restartBroker();
    expect(JSON.parse((await retained(mosquitto.url, topic)) ?? "null")).toEqual({ threshold_cm: 150 });
  });

  it("PUT config for a spot the gateway does not know: 404 naming it, nothing published", async () => {
    const answer = await call(configUrl("Zone_A", "place_99"), "PUT", { token: TOKEN, body: '{"pings":5}' });
    expect(answer.status).toBe(404);
    expect(answer.body.error).toContain("Zone_A/place_99");
    expect(await retained(mosquitto.url, "parking/Zone_A/place_99/config")).toBeNull();
  });

  it("accepts exactly the values the firmware accepts, field by field", async () => {
    const probes: Record<string, unknown[]> = {};
    for (const [name, rule] of Object.entries(nodeConfigSchema.properties)) {
      if (rule.type === "boolean") continue;
      const { minimum: min, maximum: max } = rule;
      probes[name] = [min, max, (min + max) / 2, min - 1, max + 1, min - 0.001, max + 0.001, 7.5, "12", null];
    }
    // Every field the firmware reads from a config message, except identity, network and pins.
    expect(Object.keys(probes).sort()).toEqual(
      ["cycles_to_change", "heartbeat_s", "hysteresis_cm", "interval_s", "pings", "threshold_cm"].sort(),
    );
    for (const [name, values] of Object.entries(probes)) {
      for (const value of values) {
        const firmwareAccepts = readSettings({ [name]: value }).errors.every((e) => !e.includes(name));
        const answer = await call(configUrl(), "PUT", {
          token: TOKEN,
          body: JSON.stringify({ [name]: value }),
        });
        const apiAccepts = answer.status === 202;
        // The API coerces types, as for every query parameter ("12" to 12, null to 0); the node
        // would not, so what matters is that what reaches it is valid.
        if (typeof value !== "number" && apiAccepts) {
          const sent = await eventually(
            async () => {
              const text = await retained(mosquitto.url, "parking/Zone_A/place_1/config", 200);
              const config = text === null ? {} : (JSON.parse(text) as Record<string, unknown>);
              // Ajv's coercion: "12" is sent as 12, null as 0.
              return config[name] === Number(value) ? config : undefined;
            },
            5_000,
            `the config with ${name}`,
          );
          expect(
            readSettings(sent).errors.every((e) => !e.includes(name)),
            `${name}=${value}`,
          ).toBe(true);
          continue;
        }
        expect(apiAccepts, `${name}=${JSON.stringify(value)} (${answer.body.error})`).toBe(firmwareAccepts);
        if (!apiAccepts) {
          expect(answer.status).toBe(400);
          expect(answer.body.error).toContain(name);
        }
      }
    }
  });

  it("refuses unknown fields, an empty object, malformed JSON, a non-JSON type and an oversize body", async () => {
    const url = configUrl();
    const unknown = await call(url, "PUT", { token: TOKEN, body: '{"wifi":{"ssid":"x"}}' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe("Body wifi is not known here.");
    expect((await call(url, "PUT", { token: TOKEN, body: "{}" })).status).toBe(400);

    const malformed = await call(url, "PUT", { token: TOKEN, body: '{"threshold_cm": 1' });
    expect(malformed).toMatchObject({
      status: 400,
      body: { success: false, statusCode: 400, error: "The body is not valid JSON: send a JSON object." },
    });

    const text = await call(url, "PUT", { token: TOKEN, body: "threshold_cm=150", type: "text/plain" });
    expect(text.status).toBe(415);
    expect(text.body.error).toBe("The body must be JSON: send it with Content-Type: application/json.");

    const huge = JSON.stringify({ threshold_cm: 150, padding: "x".repeat(20_000) });
    const oversize = await call(url, "PUT", { token: TOKEN, body: huge });
    expect(oversize.status).toBe(413);
    expect(oversize.body).toEqual({
      success: false,
      statusCode: 413,
      error: "The request body is larger than 16 KiB: send only the settings to change.",
    });
  });

  it("DELETE retires a spot: gone from /api/current and the store, topics cleared, history kept", async () => {
    const before = (await getJson<Current>(`${gateway.baseUrl}/api/current`)).body;
    expect(before.zones.Zone_B?.total).toBe(1);
    expect(await retained(mosquitto.url, "parking/Zone_B/place_1")).not.toBeNull();

    const answer = await call(`${gateway.baseUrl}/api/spots/Zone_B/place_1`, "DELETE", { token: TOKEN });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ success: true, zone: "Zone_B", spot: "place_1" });

    const after = (await getJson<Current>(`${gateway.baseUrl}/api/current`)).body;
    expect(after.spots.map((s) => `${s.zone}/${s.spot}`)).toEqual(["Zone_A/place_1", "Zone_A/place_2"]);
    expect(after.total).toBe(2);
    expect(after.zones.Zone_B).toBeUndefined();
    expect((await gateway.store.loadSpots()).map((s) => `${s.zone}/${s.spot}`)).toEqual([
      "Zone_A/place_1",
      "Zone_A/place_2",
    ]);
    expect(await retained(mosquitto.url, "parking/Zone_B/place_1")).toBeNull();
    expect(await retained(mosquitto.url, "parking/Zone_B/place_1/availability")).toBeNull();
    const history = await getJson<{ events: unknown[] }>(
      `${gateway.baseUrl}/api/history?zone=Zone_B&spot=place_1`,
    );
    expect(history.body.events.length).toBeGreaterThan(0);
    // The summary on the broker recounts without it.
    const summary = await eventually(
      async () => {
        const text = await retained(mosquitto.url, "parking/summary", 300);
        return text !== null && JSON.parse(text).total === 2 ? JSON.parse(text) : undefined;
      },
      5_000,
      "a summary of two spots",
    );
    expect(summary.zones.Zone_B).toBeUndefined();
    // The gateway hears its own clears come back: emptied retained topics, not bad reports.
    const health = await getJson<{ ingest: { rejected_total: number } }>(`${gateway.baseUrl}/api/health`);
    expect(health.body.ingest.rejected_total).toBe(0);

    const again = await call(`${gateway.baseUrl}/api/spots/Zone_B/place_1`, "DELETE", { token: TOKEN });
    expect(again.status).toBe(404);
  });

  it("a retired spot does not come back when the gateway restarts on the same database and broker", async () => {
    const db = gateway.settings.db;
    await gateway.stop();
    gateway = await startTestGateway({ mqttUrl: mosquitto.url, apiToken: TOKEN, db }, join(dir, "gw"));
    await eventually(
      async () =>
        (await getJson<{ mqtt: { ok: boolean } }>(`${gateway.baseUrl}/api/health`)).body.mqtt.ok
          ? true
          : undefined,
      10_000,
      "the restarted gateway's MQTT link",
    );
    // Long enough for the broker to have sent every retained message of the new subscription.
    await new Promise((r) => setTimeout(r, 1_000));
    const current = (await getJson<Current>(`${gateway.baseUrl}/api/current`)).body;
    expect(current.spots.map((s) => `${s.zone}/${s.spot}`)).toEqual(["Zone_A/place_1", "Zone_A/place_2"]);
  });

  it("does not clear a reinstalled node's report again when the broker restarts", async () => {
    const topic = "parking/Zone_A/place_1";
    const retire = await call(`${gateway.baseUrl}/api/spots/Zone_A/place_1`, "DELETE", { token: TOKEN });
    expect(retire.status).toBe(200);
    expect(await retained(mosquitto.url, topic)).toBeNull();
    // A new node on the same spot says hello, retained, as the firmware does.
    await node.publishAsync(topic, JSON.stringify({ status: "free", confidence: 0.9, seq: 1 }), {
      qos: 1,
      retain: true,
    });
    await restartBroker();
    // The link re-sends its retained messages right after connecting; the clear must not be one.
    expect(JSON.parse((await retained(mosquitto.url, topic)) ?? "null")).toMatchObject({ status: "free" });
  });

  it("answers 503 while the broker is down, and publishes nothing later", async () => {
    await mosquitto.stop();
    await eventually(
      async () =>
        (await getJson<{ mqtt: { ok: boolean } }>(`${gateway.baseUrl}/api/health`)).body.mqtt.ok
          ? undefined
          : true,
      10_000,
      "the gateway to see the broker gone",
    );
    const put = await call(configUrl("Zone_A", "place_2"), "PUT", {
      token: TOKEN,
      body: '{"threshold_cm":200}',
    });
    expect(put.status).toBe(503);
    expect(put.body.error).toContain("not connected to the MQTT broker");
    const del = await call(`${gateway.baseUrl}/api/spots/Zone_A/place_2`, "DELETE", { token: TOKEN });
    expect(del.status).toBe(503);
    expect((await getJson<Current>(`${gateway.baseUrl}/api/current`)).body.total).toBe(2);
  });
});
