import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Mosquitto, startMosquitto } from "../../../testkit/mosquitto.js";
import { freePort } from "../../../testkit/ports.js";
import { MqttClient, type MqttOptions } from "../../src/mqtt/index.js";
import { lastSocket, type NodeNet, nodeNet } from "../support/nodeSocket.js";

interface Seen {
  topic: string;
  payload: string;
  retain: boolean;
}

const dirs: string[] = [];
const brokers: Mosquitto[] = [];
const observers: mqtt.MqttClient[] = [];
const clients: MqttClient[] = [];
let broker: Mosquitto;

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mqtt-client-"));
  dirs.push(dir);
  return dir;
}

async function newBroker(): Promise<Mosquitto> {
  const b = await startMosquitto(tempDir());
  brokers.push(b);
  return b;
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An mqtt.js client subscribed to `topic`, recording what it receives. */
async function observe(b: Mosquitto, topic: string): Promise<Seen[]> {
  const seen: Seen[] = [];
  const observer = await mqtt.connectAsync(b.url, { reconnectPeriod: 0 });
  observers.push(observer);
  observer.on("message", (t, payload, packet) =>
    seen.push({ topic: t, payload: payload.toString(), retain: packet.retain }),
  );
  await observer.subscribeAsync(topic, { qos: 1 });
  return seen;
}

function node(net: NodeNet, port: number, options?: Partial<MqttOptions>): MqttClient {
  const c = new MqttClient(net.connect, {
    host: "127.0.0.1",
    port,
    clientId: `node-${clients.length}-${process.pid}`,
    backoffInitialS: 0.2,
    random: () => 0,
    ...options,
  });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  broker = await newBroker();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.stop();
  await Promise.all(observers.splice(0).map((o) => o.endAsync()));
});

afterAll(async () => {
  await Promise.all(brokers.map((b) => b.stop()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("MqttClient against Mosquitto", () => {
  it("publishes QoS 1 retained: a later subscriber gets it with the retain flag", async () => {
    const c = node(nodeNet(), broker.port);
    c.start();
    c.publish("parking/A/1", '{"status":"free","zone":"Zürich"}', { qos: 1, retain: true });
    await waitFor("the PUBACK", () => c.isConnected() && c.pending() === 0);
    const seen = await observe(broker, "parking/A/1");
    await waitFor("the retained report", () => seen.length === 1);
    expect(seen[0]).toEqual({
      topic: "parking/A/1",
      payload: '{"status":"free","zone":"Zürich"}',
      retain: true,
    });
  });

  it("receives what is published on its subscribed config topic", async () => {
    const publisher = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    observers.push(publisher);
    await publisher.publishAsync("parking/A/2/config", '{"threshold_cm":80}', { qos: 1, retain: true });
    const c = node(nodeNet(), broker.port);
    const got: string[] = [];
    c.onMessage = (topic, payload) => got.push(`${topic} ${payload}`);
    c.subscribe("parking/A/2/config");
    c.start();
    await waitFor("the retained config", () => got.length === 1);
    await publisher.publishAsync("parking/A/2/config", '{"name":"Spot é"}', { qos: 1 });
    await waitFor("the live config", () => got.length === 2);
    expect(got).toEqual(['parking/A/2/config {"threshold_cm":80}', 'parking/A/2/config {"name":"Spot é"}']);
  });

  it("leaves its retained will `offline` when the link drops abruptly", async () => {
    const topic = "parking/B/1/availability";
    const seen = await observe(broker, topic);
    const net = nodeNet();
    const c = node(net, broker.port, { will: { topic, payload: "offline", qos: 1, retain: true } });
    c.onConnect = () => c.publish(topic, "online", { qos: 1, retain: true });
    c.start();
    await waitFor("online", () => seen.length === 1);
    c.onConnect = () => {};
    lastSocket(net).destroy();
    await waitFor("the will", () => seen.length === 2);
    expect(seen.map((s) => s.payload)).toEqual(["online", "offline"]);
    const later = await observe(broker, topic);
    await waitFor("the retained will", () => later.length === 1);
    expect(later[0]).toMatchObject({ payload: "offline", retain: true });
  });

  it("re-sends an unacknowledged report, marked DUP, after the socket is cut", async () => {
    const seen = await observe(broker, "parking/C/1");
    const net = nodeNet();
    const c = node(net, broker.port);
    c.start();
    await waitFor("connection", () => c.isConnected());
    net.deaf = true;
    c.publish("parking/C/1", "r1", { qos: 1, retain: true });
    await waitFor("delivery", () => seen.length === 1);
    expect(c.pending()).toBe(1);
    lastSocket(net).destroy();
    net.deaf = false;
    await waitFor("the PUBACK after reconnect", () => c.isConnected() && c.pending() === 0);
    await waitFor("the second delivery", () => seen.length === 2);
    expect(seen.map((s) => s.payload)).toEqual(["r1", "r1"]);
    const publishes = net.writes.filter((w) => w.charCodeAt(0) >> 4 === 3).map((w) => w.charCodeAt(0));
    expect(publishes).toEqual([0x33, 0x3b]);
  });

  it("drops a connection whose broker falls silent, then reconnects", async () => {
    const net = nodeNet();
    const c = node(net, broker.port, { keepAliveS: 1 });
    const reasons: string[] = [];
    c.onDisconnect = (r) => reasons.push(r);
    c.start();
    await waitFor("connection", () => c.isConnected());
    net.deaf = true;
    await waitFor("the keep-alive timeout", () => reasons.length === 1, 3000);
    expect(reasons[0]).toMatch(/^no packet from the broker/);
    net.deaf = false;
    await waitFor("reconnection", () => c.isConnected());
  });

  it("backs off while no broker listens, then connects, and delivers across a broker restart", async () => {
    const net = nodeNet();
    net.port = await freePort();
    const c = node(net, 1);
    const failures: number[] = [];
    c.onDisconnect = () => failures.push(Date.now());
    c.start();
    await waitFor("three failed attempts", () => failures.length >= 3);
    const gaps = [(failures[1] ?? 0) - (failures[0] ?? 0), (failures[2] ?? 0) - (failures[1] ?? 0)];
    // Half of 0.2 s then of 0.4 s (random() = 0), plus the refused connect itself.
    expect(gaps[0]).toBeGreaterThanOrEqual(95);
    expect(gaps[1]).toBeGreaterThanOrEqual(195);
    const first = await newBroker();
    net.port = first.port;
    await waitFor("connection", () => c.isConnected());
    await first.stop();
    await waitFor("the loss", () => !c.isConnected());
    c.publish("parking/D/1", "while down", { qos: 1, retain: true });
    const second = await newBroker();
    net.port = second.port;
    await waitFor("delivery after restart", () => c.isConnected() && c.pending() === 0);
    const seen = await observe(second, "parking/D/1");
    await waitFor("the report", () => seen.length === 1);
    expect(seen[0]).toMatchObject({ payload: "while down", retain: true });
  });
});

describe("keep-alive against Mosquitto", () => {
  it("pings an idle connection so that a 1 s keep-alive holds for 3 s", async () => {
    const b = await newBroker();
    const net = nodeNet();
    const c = node(net, b.port, { keepAliveS: 1 });
    const reasons: string[] = [];
    c.onDisconnect = (r) => reasons.push(r);
    c.start();
    await waitFor("connection", () => c.isConnected());
    await new Promise((r) => setTimeout(r, 3000));
    expect(reasons).toEqual([]);
    expect(c.isConnected()).toBe(true);
    expect(net.writes.filter((w) => w === "\xc0\x00").length).toBeGreaterThanOrEqual(2);
  });
});
