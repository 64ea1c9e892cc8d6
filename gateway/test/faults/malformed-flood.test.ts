import { rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Random } from "../../../simulator/src/random.js";
import { type Mosquitto, startMosquitto } from "../../../testkit/mosquitto.js";
import { eventually, getJson, startTestGateway, type TestGateway, tempDir } from "../support/gateway.js";

const INVALID = 100_000;
const VALID_SPOTS = 30;
const VALID_PER_SPOT = 10;
const VALID = VALID_SPOTS * VALID_PER_SPOT;
const WINDOW = 500;

interface Health {
  status: string;
  ingest: {
    received: number;
    accepted: number;
    ignored: number;
    rejected_total: number;
    rejected: Record<string, number>;
  };
}

/** The simulator's seeded mulberry32: the same sequence on every run, so a failure can be replayed. */
function random(seed: number): () => number {
  const source = new Random(seed);
  return () => source.next();
}

interface Message {
  topic: string;
  payload: string | Buffer;
  /** False for topics no gateway filter (`parking/+/+`, `parking/+/+/availability`) matches. */
  reaches: boolean;
}

const UNICODE_JUNK = ["é", "ü", "停车", "🚗", "\u200b", "\ufeff", "Ω", "𝔘", "\u0301", "ß"];

function generator(seed: number): () => Message {
  const r = random(seed);
  const int = (n: number): number => Math.floor(r() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const junk = (n: number): string => Array.from({ length: n }, () => pick(UNICODE_JUNK)).join("");
  const zone = (): string => `F${int(4)}`;
  const spot = (): string => `f${int(50)}`;
  const good = (): string => `parking/${zone()}/${spot()}`;
  const body = (fields: Record<string, unknown>): string =>
    JSON.stringify({ status: "free", confidence: 0.5, ...fields });
  const kinds: Array<() => Message> = [
    // Not JSON, truncated JSON, empty.
    () => ({
      topic: good(),
      payload: pick(["", "free", "{", '{"status":', "nul", "{'a':1}", "[1,2"]),
      reaches: true,
    }),
    () => ({ topic: good(), payload: body({ seq: int(1000) }).slice(0, 1 + int(30)), reaches: true }),
    // Bytes that are not UTF-8.
    () => ({
      topic: good(),
      payload: Buffer.concat([
        Buffer.from('{"status":"free","confidence":0.5,"x":"'),
        Buffer.from([0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]),
        Buffer.from('"}'),
      ]),
      reaches: true,
    }),
    () => ({
      topic: good(),
      payload: Buffer.from(Array.from({ length: 1 + int(64) }, () => 0x80 + int(128))),
      reaches: true,
    }),
    // Valid JSON, not an object.
    () => ({
      topic: good(),
      payload: pick(["null", "true", "42", '"free"', '["free",0.9]', "[]", "1e400"]),
      reaches: true,
    }),
    // Missing or wrongly typed fields, out-of-range numbers.
    () => ({
      topic: good(),
      payload: pick(["{}", '{"confidence":0.5}', '{"status":"free"}']),
      reaches: true,
    }),
    () => ({
      topic: good(),
      payload: body(
        pick([
          { status: pick(["maybe", "FREE", 1, null, true, [], {}, junk(3)]) },
          { confidence: pick([1.5, -0.1, "high", null, [], 1e308 * 10, 2]) },
          { distance_cm: pick([-1, 10001, "12", 1e9]) },
          { rssi: pick([1, -151, "x"]) },
          { battery_v: pick([-0.1, 101, false]) },
          { uptime_s: pick([-1, "1h"]) },
          { seq: pick([-1, 1.5, "7", 2 ** 60]) },
          { reason: pick(["reboot", 1, junk(2)]) },
          { fw: pick([7, "x".repeat(33)]) },
          { ts: pick([-5, 0, "yesterday", "2026-13-45T00:00:00Z", 1e20]) },
          { timestamp: pick([12345, "not a date"]) },
        ]),
      ),
      reaches: true,
    }),
    // A confidence of 1e999 parses to Infinity.
    () => ({ topic: good(), payload: '{"status":"free","confidence":1e999}', reaches: true }),
    // Oversize: just over the limit, or far over it.
    () => ({ topic: good(), payload: body({ pad: "x".repeat(pick([500, 2_000, 60_000])) }), reaches: true }),
    // Deep nesting, within the size limit and far beyond it.
    () => ({ topic: good(), payload: `${"[".repeat(200)}${"]".repeat(200)}`, reaches: true }),
    () => ({
      topic: good(),
      payload: `{"status":${"[".repeat(100)}${"]".repeat(100)},"confidence":0.5}`,
      reaches: true,
    }),
    () => ({ topic: good(), payload: "[".repeat(100_000), reaches: true }),
    // A body zone that differs from the topic's.
    () => ({
      topic: `parking/F1/${spot()}`,
      payload: body({ zone: pick(["F2", junk(2), 5]) }),
      reaches: true,
    }),
    // Bad ids in the topic, unicode junk in the topic, empty levels, too-long ids.
    () => ({ topic: `parking/${junk(1 + int(4))}/${spot()}`, payload: body({}), reaches: true }),
    () => ({
      topic: `parking/${zone()}/${pick(["pl@ce", "a b", "x".repeat(33), "", junk(2)])}`,
      payload: body({}),
      reaches: true,
    }),
    () => ({ topic: `parking//${spot()}/availability`, payload: "online", reaches: true }),
    // Reserved zones.
    () => ({ topic: `parking/${pick(["summary", "alerts"])}/${spot()}`, payload: body({}), reaches: true }),
    // The gateway's own namespace: ignored, not rejected.
    () => ({ topic: `parking/gateway/${pick(["x", "node", "status"])}`, payload: body({}), reaches: true }),
    // Bad availability words.
    () => ({
      topic: `${good()}/availability`,
      payload: pick(["maybe", "ONLINE!", "", junk(2), "1"]),
      reaches: true,
    }),
    // Wrong levels and roots: no subscription matches, so the broker drops them.
    () => ({
      topic: pick([
        `parking/${zone()}`,
        `${good()}/extra`,
        `${good()}/a/b`,
        "parking",
        `other/${zone()}/${spot()}`,
      ]),
      payload: body({}),
      reaches: false,
    }),
  ];
  return () => pick(kinds)();
}

describe("a flood of malformed reports", () => {
  let dir: string;
  let mosquitto: Mosquitto;
  let gateway: TestGateway;
  let node: MqttClient | null = null;

  beforeAll(async () => {
    dir = tempDir("parking-flood-");
    mosquitto = await startMosquitto(join(dir, "broker"));
    gateway = await startTestGateway({ mqttUrl: mosquitto.url });
  });

  afterAll(async () => {
    node?.end(true);
    await gateway?.dispose();
    await mosquitto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("rejects or ignores 100 000 of them, stores every valid report, and keeps serving", async () => {
    const health = async (): Promise<{ status: number; body: Health }> =>
      getJson<Health>(`${gateway.baseUrl}/api/health`);
    const before = await eventually(
      async () => {
        const h = (await health()).body;
        return h.status === "ok" ? h : undefined;
      },
      10_000,
      "the gateway link",
    );
    node = await mqtt.connectAsync(mosquitto.url, { clientId: "flood-node", protocolVersion: 4 });
    const client = node;

    const next = generator(0x5eed);
    const messages: Message[] = [];
    for (let i = 0; i < INVALID; i++) messages.push(next());
    // Valid reports every ~300 messages; each flips its spot, so each is one change event.
    const valid: Message[] = [];
    for (let seq = 1; seq <= VALID_PER_SPOT; seq++) {
      for (let s = 0; s < VALID_SPOTS; s++) {
        valid.push({
          topic: `parking/V${s % 3}/v${s}`,
          payload: JSON.stringify({ status: seq % 2 === 1 ? "occupied" : "free", confidence: 0.9, seq }),
          reaches: true,
        });
      }
    }
    const stream: Message[] = [];
    const every = Math.floor(INVALID / VALID);
    for (let i = 0; i < INVALID; i++) {
      stream.push(messages[i] as Message);
      if (i % every === every - 1 && valid.length > 0) stream.push(valid.shift() as Message);
    }
    stream.push(...valid);
    const reachable = messages.filter((m) => m.reaches).length;

    // Health must answer 200 throughout.
    let healthChecks = 0;
    const healthFailures: string[] = [];
    let flooding = true;
    const watch = (async () => {
      while (flooding) {
        try {
          const h = await health();
          healthChecks += 1;
          if (h.status !== 200) healthFailures.push(`HTTP ${h.status}`);
        } catch (error) {
          healthFailures.push(String(error));
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    const t0 = performance.now();
    let cursor = 0;
    const worker = async (): Promise<void> => {
      while (cursor < stream.length) {
        const m = stream[cursor++] as Message;
        await client.publishAsync(m.topic, m.payload, { qos: 1 });
      }
    };
    await Promise.all(Array.from({ length: WINDOW }, worker));
    const publishMs = performance.now() - t0;

    const expectedReceived = before.ingest.received + reachable + VALID_SPOTS * VALID_PER_SPOT;
    const after = await eventually(
      async () => {
        const h = (await health()).body;
        return h.ingest.received >= expectedReceived ? h : undefined;
      },
      30_000,
      `${expectedReceived} messages received`,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify((await health()).body.ingest)}`);
    });
    const ingestMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 500));
    flooding = false;
    await watch;
    const settled = (await health()).body;
    console.log(
      `malformed flood: ${INVALID} invalid (${reachable} reach the gateway) + ${VALID} valid published in ` +
        `${publishMs.toFixed(0)} ms, all received after ${ingestMs.toFixed(0)} ms; ${healthChecks} health checks; ` +
        `rejected ${JSON.stringify(settled.ingest.rejected)}, ignored ${settled.ingest.ignored - before.ingest.ignored}`,
    );

    expect(healthFailures).toEqual([]);
    expect(healthChecks).toBeGreaterThan(0);
    expect(settled.status).toBe("ok");
    // Nothing more arrived after the expected count: no message was counted twice.
    expect(settled.ingest.received).toBe(after.ingest.received);
    expect(settled.ingest.received - before.ingest.received).toBe(reachable + VALID);
    expect(settled.ingest.accepted - before.ingest.accepted).toBe(VALID);
    expect(
      settled.ingest.rejected_total -
        before.ingest.rejected_total +
        (settled.ingest.ignored - before.ingest.ignored),
    ).toBe(reachable);

    const db = new Database(join(gateway.dir, "parking.db"), { readonly: true, fileMustExist: true });
    try {
      const events = db
        .prepare(
          "select count(*) as n, count(distinct zone || '/' || spot || '/' || seq) as distinctReports, " +
            "sum(zone not like 'V%' or spot not like 'v%') as outsiders from change_events",
        )
        .get() as { n: number; distinctReports: number; outsiders: number };
      expect(events).toEqual({ n: VALID, distinctReports: VALID, outsiders: 0 });
      const spots = db.prepare("select zone, spot from spots order by zone, spot").all() as Array<{
        zone: string;
        spot: string;
      }>;
      expect(spots.length).toBe(VALID_SPOTS);
      expect(spots.every((s) => /^V\d$/.test(s.zone) && /^v\d+$/.test(s.spot))).toBe(true);
    } finally {
      db.close();
    }
  }, 120_000);
});
