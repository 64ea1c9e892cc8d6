import ExcelJS from "exceljs";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Mosquitto, startMosquitto } from "../../../testkit/mosquitto.js";
import { eventually, getJson, startTestGateway, type TestGateway, tempDir } from "../support/gateway.js";
import { SseRecorder } from "../support/sse.js";

interface Current {
  total: number;
  free: number;
  occupied: number;
  zones: Record<string, { free: number; occupied: number; total: number }>;
  spots: Array<{ zone: string; spot: string; state: string; confidence: number }>;
}

describe.each(["embedded Aedes", "Mosquitto"])("gateway with the %s broker", (brokerKind) => {
  let gateway: TestGateway;
  let mosquitto: Mosquitto | null = null;
  let node: MqttClient;

  beforeAll(async () => {
    if (brokerKind === "Mosquitto") {
      mosquitto = await startMosquitto(tempDir("parking-mosquitto-"));
      gateway = await startTestGateway({ mqttUrl: mosquitto.url });
    } else {
      gateway = await startTestGateway();
    }
    node = await mqtt.connectAsync(gateway.mqttUrl, { clientId: "test-node" });
  });

  afterAll(async () => {
    await node?.endAsync();
    await gateway?.dispose();
    await mosquitto?.stop();
  });

  it("shows reports of both payload forms in current, history, exports and the live stream", async () => {
    const stream = new SseRecorder(`${gateway.baseUrl}/api/stream`);
    try {
      await stream.waitFor((e) => e.event === "summary");
      await node.publishAsync(
        "parking/Zone_A/place_1",
        JSON.stringify({ status: "free", confidence: 0.95 }),
        {
          qos: 1,
          retain: true,
        },
      );
      await node.publishAsync(
        "parking/Zone_A/place_2",
        '{"sensor_id":1,"zone":"Zone_A","status":"occupied","timestamp":"2026-01-11T15:30:00.123456","confidence":0.93}',
        { qos: 1, retain: true },
      );

      const spotEvent = (spot: string, state: string) => (e: { event: string; data: unknown }) =>
        e.event === "spot" &&
        (e.data as { spot: string }).spot === spot &&
        (e.data as { state: string }).state === state;
      await stream.waitFor(spotEvent("place_1", "free"));
      await stream.waitFor(spotEvent("place_2", "occupied"));
      await stream.waitFor((e) => e.event === "summary" && (e.data as { total: number }).total === 2);

      const current = await getJson<Current>(`${gateway.baseUrl}/api/current`);
      expect(current.status).toBe(200);
      expect(current.body).toMatchObject({
        success: true,
        total: 2,
        free: 1,
        occupied: 1,
        occupancy_rate: 50,
      });
      expect(current.body.zones.Zone_A).toMatchObject({ total: 2, free: 1, occupied: 1 });
      expect(current.body.spots.map((s) => [s.spot, s.state, s.confidence])).toEqual([
        ["place_1", "free", 0.95],
        ["place_2", "occupied", 0.93],
      ]);

      // place_2's node time has no zone: gateway-local, as the original system wrote it.
      const place2ReportedAt = new Date("2026-01-11T15:30:00.123").toISOString();
      const history = await getJson<{
        events: Array<{ spot: string; state: string; previous: string | null; reported_at: string | null }>;
      }>(`${gateway.baseUrl}/api/history?zone=Zone_A`);
      expect(history.body.events.map((e) => [e.spot, e.state, e.previous, e.reported_at]).sort()).toEqual([
        ["place_1", "free", null, null],
        ["place_2", "occupied", null, place2ReportedAt],
      ]);

      const legacy = await getJson<{ events: Array<{ place_id: string; status: string; zone: string }> }>(
        `${gateway.baseUrl}/api/events?limit=10`,
      );
      expect(legacy.body.events.map((e) => `${e.zone}/${e.place_id}=${e.status}`).sort()).toEqual([
        "Zone_A/place_1=free",
        "Zone_A/place_2=occupied",
      ]);

      const csv = await fetch(`${gateway.baseUrl}/api/export.csv?zone=Zone_A`);
      expect(csv.headers.get("content-disposition")).toMatch(/attachment; filename=".*\.csv"/);
      const rows = (await csv.text()).trim().split("\r\n");
      expect(rows[0]).toBe(
        "id,timestamp,zone,spot,state,previous,confidence,distance_cm,seq,source,reported_at",
      );
      expect(
        rows
          .slice(1)
          .map((r) => [...r.split(",").slice(2, 5), r.split(",")[10]].join(","))
          .sort(),
      ).toEqual(["Zone_A,place_1,free,", `Zone_A,place_2,occupied,${place2ReportedAt}`]);

      const xlsx = await fetch(`${gateway.baseUrl}/api/export.xlsx`);
      expect(xlsx.status).toBe(200);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(Buffer.from(await xlsx.arrayBuffer()) as never);
      const sheet = workbook.worksheets[0];
      const cells: string[] = [];
      sheet?.eachRow((row, n) => {
        // The node's time is an Excel date now, not text.
        const reported = row.getCell(11).value;
        const at = reported instanceof Date ? reported.toISOString() : "";
        if (n > 1) cells.push(`${row.getCell(4).text}=${row.getCell(5).text}@${at}`);
      });
      expect(cells.sort()).toEqual(["place_1=free@", `place_2=occupied@${place2ReportedAt}`]);
    } finally {
      stream.close();
    }
  });

  it("publishes the lot summary and its own availability, retained", async () => {
    const reader = await mqtt.connectAsync(gateway.mqttUrl, { clientId: "test-reader" });
    try {
      const seen = new Map<string, string>();
      reader.on("message", (topic, payload) => seen.set(topic, payload.toString()));
      await reader.subscribeAsync(["parking/summary", "parking/alerts", "parking/gateway/availability"], {
        qos: 1,
      });
      const summary = await eventually(async () => seen.get("parking/summary"), 5_000, "retained summary");
      expect(JSON.parse(summary)).toMatchObject({
        total_places: 2,
        free: 1,
        occupied: 1,
        occupancy_rate: 50,
      });
      expect(
        JSON.parse(await eventually(async () => seen.get("parking/alerts"), 5_000, "alerts")),
      ).toMatchObject({
        level: "normal",
      });
      expect(
        await eventually(async () => seen.get("parking/gateway/availability"), 5_000, "availability"),
      ).toBe("online");
    } finally {
      await reader.endAsync();
    }
  });
});
