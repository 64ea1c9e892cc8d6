import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Mosquitto, startMosquitto } from "../../../testkit/mosquitto.js";
import { REPO_ROOT } from "../../../testkit/paths.js";
import { eventually, getJson, startTestGateway, type TestGateway, tempDir } from "../support/gateway.js";
import { useTestDatabase } from "../support/postgres.js";

interface Current {
  zones: Record<string, { total: number }>;
  sites?: Record<
    string,
    { total: number; free: number; occupied: number; offline: number; occupancy_rate: number }
  >;
  spots: Array<{ zone: string; spot: string; site: string | null; state: string }>;
}

interface Health {
  ingest: { accepted: number; ignored: number; rejected_total: number };
}

const SITES = ["north", "south"] as const;
type Site = (typeof SITES)[number];

/**
 * A site's broker: the production session settings, and mosquitto/bridge.conf.example filled in
 * for this site and pointed at the central broker without TLS (the test's only change to it).
 */
async function startSiteBroker(site: Site, centralPort: number): Promise<Mosquitto> {
  const home = tempDir(`parking-site-${site}-`);
  let bridge = readFileSync(join(REPO_ROOT, "mosquitto", "bridge.conf.example"), "utf8");
  for (const [from, to] of [
    ["<site-id>", site],
    ["central.example.org:8883", `127.0.0.1:${centralPort}`],
    ["<password>", "unused-by-an-open-broker"],
  ] as const) {
    expect(bridge).toContain(from);
    bridge = bridge.replaceAll(from, to);
  }
  bridge = bridge.replace(/^bridge_(cafile|capath|insecure|tls_version) .*$/gm, "");
  const broker = await startMosquitto(home, bridge);
  return {
    ...broker,
    async stop() {
      await broker.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * Issue 7: two sites, each with its own Mosquitto bridged to a central Mosquitto under
 * site/<id>/, and a central gateway (--site-topics) writing every site to PostgreSQL. Both
 * sites use the same zone and spot names: the central gateway must keep them apart.
 */
describe("many sites through Mosquitto bridges into one central gateway on PostgreSQL", () => {
  const database = useTestDatabase();
  let central: Mosquitto;
  const sites = new Map<Site, Mosquitto>();
  let centralGateway: TestGateway;
  let siteGateway: TestGateway;
  const clients: MqttClient[] = [];
  const centralDir = tempDir("parking-central-");

  beforeAll(async () => {
    central = await startMosquitto(centralDir);
    for (const site of SITES) sites.set(site, await startSiteBroker(site, central.port));

    // Each bridge announces itself on the central broker, retained, once connected.
    const watcher = await mqtt.connectAsync(central.url, { clientId: "test-central-watcher" });
    clients.push(watcher);
    const bridgeStates = new Map<string, string>();
    watcher.on("message", (topic, payload) => bridgeStates.set(topic, payload.toString()));
    await watcher.subscribeAsync("site/+/bridge/state", { qos: 1 });
    await eventually(
      async () => SITES.every((site) => bridgeStates.get(`site/${site}/bridge/state`) === "1") || undefined,
      20_000,
      "both sites' bridges up",
    );

    centralGateway = await startTestGateway({
      mqttUrl: central.url,
      siteTopics: true,
      db: database().url,
    });
    // An ordinary gateway at site north: its availability, summary and alerts cross the bridge too.
    siteGateway = await startTestGateway({ mqttUrl: sites.get("north")?.url });
  });

  afterAll(async () => {
    for (const client of clients) await client.endAsync();
    await siteGateway?.dispose();
    await centralGateway?.dispose();
    for (const broker of sites.values()) await broker.stop();
    await central?.stop();
    rmSync(centralDir, { recursive: true, force: true });
  });

  /** A node at `site` reporting through its own site's broker, retained, QoS 1, as the firmware does. */
  async function report(site: Site, zone: string, spot: string, status: string): Promise<void> {
    const node = await mqtt.connectAsync(sites.get(site)?.url ?? "", {
      clientId: `test-node-${site}-${zone}-${spot}`,
    });
    clients.push(node);
    await node.publishAsync(`parking/${zone}/${spot}`, JSON.stringify({ status, confidence: 0.9 }), {
      qos: 1,
      retain: true,
    });
  }

  it("finds both sites' spots, apart, with their states, counts and history", async () => {
    await report("north", "Zone_A", "place_1", "occupied");
    await report("north", "Zone_A", "place_2", "occupied");
    await report("south", "Zone_A", "place_1", "free");
    await report("south", "Zone_A", "place_2", "occupied");
    await report("south", "Zone_B", "place_1", "free");

    const current = await eventually(
      async () => {
        const { body } = await getJson<Current>(`${centralGateway.baseUrl}/api/current`);
        return body.spots.length === 5 ? body : undefined;
      },
      20_000,
      "five spots of two sites at the central gateway",
    );
    expect(current.spots.map((s) => [s.site, s.zone, s.spot, s.state])).toEqual([
      ["north", "north/Zone_A", "place_1", "occupied"],
      ["north", "north/Zone_A", "place_2", "occupied"],
      ["south", "south/Zone_A", "place_1", "free"],
      ["south", "south/Zone_A", "place_2", "occupied"],
      ["south", "south/Zone_B", "place_1", "free"],
    ]);
    expect(current.sites).toEqual({
      north: { total: 2, free: 0, occupied: 2, offline: 0, unknown: 0, occupancy_rate: 100 },
      south: { total: 3, free: 2, occupied: 1, offline: 0, unknown: 0, occupancy_rate: 33.3 },
    });

    const south = await getJson<Current>(`${centralGateway.baseUrl}/api/current?site=south`);
    expect(south.body.spots.map((s) => `${s.zone}/${s.spot}`)).toEqual([
      "south/Zone_A/place_1",
      "south/Zone_A/place_2",
      "south/Zone_B/place_1",
    ]);
    expect(Object.keys(south.body.sites ?? {})).toEqual(["south"]);

    const history = await getJson<{ events: Array<{ zone: string }> }>(
      `${centralGateway.baseUrl}/api/history?site=north`,
    );
    expect(history.body.events.map((e) => e.zone)).toEqual(["north/Zone_A", "north/Zone_A"]);

    // Straight from PostgreSQL: one change row per spot, each under its own site.
    const client = new pg.Client({ connectionString: database().url });
    await client.connect();
    try {
      const { rows } = await client.query("select zone, spot, state from change_events order by zone, spot");
      expect(rows).toEqual([
        { zone: "north/Zone_A", spot: "place_1", state: "occupied" },
        { zone: "north/Zone_A", spot: "place_2", state: "occupied" },
        { zone: "south/Zone_A", spot: "place_1", state: "free" },
        { zone: "south/Zone_A", spot: "place_2", state: "occupied" },
        { zone: "south/Zone_B", spot: "place_1", state: "free" },
      ]);
    } finally {
      await client.end();
    }
  });

  it("follows a change at one site without touching the other's spot of the same name", async () => {
    await report("north", "Zone_A", "place_1", "free");
    const current = await eventually(
      async () => {
        const { body } = await getJson<Current>(`${centralGateway.baseUrl}/api/current`);
        return body.sites?.north?.free === 1 ? body : undefined;
      },
      20_000,
      "north/Zone_A/place_1 free",
    );
    const place1 = current.spots.filter((s) => s.spot === "place_1" && s.zone.endsWith("/Zone_A"));
    expect(place1.map((s) => [s.zone, s.state])).toEqual([
      ["north/Zone_A", "free"],
      ["south/Zone_A", "free"],
    ]);
    expect(current.sites?.north?.occupancy_rate).toBe(50);
  });

  it("ignores what the site gateway publishes over the bridge, and rejects nothing", async () => {
    const health = await eventually(
      async () => {
        const { body } = await getJson<Health>(`${centralGateway.baseUrl}/api/health`);
        // The site gateway's retained `online` on site/north/parking/gateway/availability.
        return body.ingest.ignored > 0 ? body : undefined;
      },
      20_000,
      "the site gateway's availability at the central gateway",
    );
    expect(health.ingest.rejected_total).toBe(0);
    // The site gateway itself sees its own site only, with unqualified zones.
    const site = await getJson<Current>(`${siteGateway.baseUrl}/api/current`);
    expect(Object.keys(site.body.zones)).toEqual(["Zone_A"]);
    expect(site.body.sites).toBeUndefined();
  });
});
