import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, getJson, startTestGateway, type TestGateway } from "../support/gateway.js";

interface Current {
  total: number;
  zones: Record<string, { total: number }>;
  sites?: Record<string, { total: number; free: number; occupied: number; occupancy_rate: number }>;
  spots: Array<{ zone: string; spot: string; site: string | null; state: string }>;
}

interface Health {
  ingest: { accepted: number; ignored: number; rejected: Record<string, number> };
}

const report = (status: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ status, confidence: 0.9, ...extra });

/** A central gateway (`--site-topics`) on its embedded broker, fed bridged topics by hand. */
describe("the API of a central gateway", () => {
  let gateway: TestGateway;
  let client: MqttClient;
  const api = (path: string) => getJson<Record<string, unknown>>(`${gateway.baseUrl}${path}`);

  beforeAll(async () => {
    gateway = await startTestGateway({ siteTopics: true, sampleIntervalS: "1" });
    client = await mqtt.connectAsync(gateway.mqttUrl, { clientId: "test-central-feed" });
    const publish = (topic: string, payload: string) => client.publishAsync(topic, payload, { qos: 1 });
    await publish("site/a/parking/Zone_A/place_1", report("occupied"));
    await publish("site/a/parking/Zone_A/place_2", report("free"));
    // The compatibility field `zone` names the site's own, unqualified zone.
    await publish("site/a/parking/Zone_B/place_1", report("occupied", { zone: "Zone_B" }));
    await publish("site/b/parking/Zone_A/place_1", report("free"));
    // What a site gateway publishes, forwarded by its bridge: ignored (summary, alerts and config
    // topics do not even match the gateway's filters).
    await publish("site/a/parking/gateway/availability", "online");
    await publish("site/a/parking/Zone_A/place_1/config", "{}");
    // Refused: a site that is not an id, and a payload zone that is not the topic's.
    await publish("site/a b/parking/Zone_A/place_1", report("free"));
    await publish("site/a/parking/Zone_A/place_3", report("free", { zone: "a/Zone_A" }));
    await eventually(
      async () => ((await api("/api/current")).body as unknown as Current).total === 4 || undefined,
      10_000,
      "four spots",
    );
  });

  afterAll(async () => {
    await client?.endAsync();
    await gateway?.dispose();
  });

  it("keys spots by site-qualified zone and counts each site", async () => {
    const { status, body } = await getJson<Current>(`${gateway.baseUrl}/api/current`);
    expect(status).toBe(200);
    expect(body.spots.map((s) => [s.zone, s.spot, s.site, s.state])).toEqual([
      ["a/Zone_A", "place_1", "a", "occupied"],
      ["a/Zone_A", "place_2", "a", "free"],
      ["a/Zone_B", "place_1", "a", "occupied"],
      ["b/Zone_A", "place_1", "b", "free"],
    ]);
    expect(Object.keys(body.zones)).toEqual(["a/Zone_A", "a/Zone_B", "b/Zone_A"]);
    expect(body.sites).toEqual({
      a: { total: 3, free: 1, occupied: 2, offline: 0, unknown: 0, occupancy_rate: 66.7 },
      b: { total: 1, free: 1, occupied: 0, offline: 0, unknown: 0, occupancy_rate: 0 },
    });
  });

  it("ignores what site gateways publish and rejects malformed site topics", async () => {
    const { body } = await getJson<Health>(`${gateway.baseUrl}/api/health`);
    expect(body.ingest.ignored).toBe(1);
    expect(body.ingest.rejected).toEqual({ invalid_topic: 1, zone_mismatch: 1 });
  });

  it("narrows /api/current to a site, and to one of its zones", async () => {
    const site = await getJson<Current>(`${gateway.baseUrl}/api/current?site=b`);
    expect(site.body.spots.map((s) => s.zone)).toEqual(["b/Zone_A"]);
    expect(Object.keys(site.body.zones)).toEqual(["b/Zone_A"]);
    expect(Object.keys(site.body.sites ?? {})).toEqual(["b"]);
    // The lot's own totals stay whole, as with ?zone=.
    expect(site.body.total).toBe(4);
    const zone = await getJson<Current>(`${gateway.baseUrl}/api/current?site=a&zone=a/Zone_B`);
    expect(zone.body.spots.map((s) => s.spot)).toEqual(["place_1"]);
    const unknown = await getJson<Current>(`${gateway.baseUrl}/api/current?site=nowhere`);
    expect(unknown.body).toMatchObject({ spots: [], zones: {}, sites: {} });
  });

  it("filters history, events, zone statistics and exports by site", async () => {
    const history = await api("/api/history?site=b");
    expect((history.body.events as Array<{ zone: string }>).map((e) => e.zone)).toEqual(["b/Zone_A"]);
    const events = await api("/api/events?site=a");
    expect(new Set((events.body.events as Array<{ zone: string }>).map((e) => e.zone))).toEqual(
      new Set(["a/Zone_A", "a/Zone_B"]),
    );
    const zones = await api("/api/stats/zones?site=a");
    expect((zones.body.zones as Array<{ zone: string }>).map((z) => z.zone)).toEqual([
      "a/Zone_A",
      "a/Zone_B",
    ]);
    const csv = await fetch(`${gateway.baseUrl}/api/export.csv?site=b`);
    expect(csv.headers.get("content-disposition")).toContain("-b.csv");
    const rows = (await csv.text()).trim().split(/\r?\n/).slice(1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain("b/Zone_A");
  });

  it("charts a site from its zones' samples", async () => {
    const series = await eventually(
      async () => {
        const { body } = await api("/api/occupancy?site=a");
        return (body.timestamps as number[]).length > 0 ? body : undefined;
      },
      10_000,
      "a sample of site a",
    );
    expect(series).toMatchObject({ site: "a", zone: null });
    expect((series.occupancy_rate as number[]).at(-1)).toBe(66.7);
    expect((series.occupied as number[]).at(-1)).toBe(2);
    const hourly = await api("/api/stats/hourly?site=b");
    expect(hourly.body.statistics).toEqual([
      { hour: expect.any(Number), avg_occupancy: 0, samples: expect.any(Number) },
    ]);
  });

  it.each([
    ["/api/current?site=a&zone=b/Zone_A", "zone"],
    ["/api/history?site=a&zone=Zone_A", "zone"],
    ["/api/stats/zones?site=b&zone=a/Zone_A", "zone"],
    ["/api/occupancy?site=b&zone=a/Zone_A", "zone"],
    ["/api/stats/hourly?site=b&zone=a/Zone_A", "zone"],
    ["/api/export.csv?site=b&zone=a/Zone_A", "zone"],
    ["/api/current?site=a/b", "site"],
    ["/api/events?site=", "site"],
    ["/api/history?zone=a/b/c", "zone"],
  ])("answers 400 naming the parameter for %s", async (path, name) => {
    const { status, body } = await api(path);
    expect(status).toBe(400);
    expect(body.error).toMatch(new RegExp(`^Query parameter ${name} `));
  });
});
