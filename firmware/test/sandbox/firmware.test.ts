import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, connect as netConnect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Mosquitto, startMosquitto } from "../../../testkit/mosquitto.js";
import { REPO_ROOT } from "../../../testkit/paths.js";
import { freePort } from "../../../testkit/ports.js";
import type { EspruinoSandbox, WifiOptions } from "../../sandbox/espruinoSandbox.js";
import { readEspruinoJson, sandbox, waitFor } from "./support.js";

/**
 * The real built bundle (`npm run firmware:build`) in the sandbox, against a real Mosquitto:
 * the end-to-end list. The test setup builds the bundle first.
 */
/** FIRMWARE_BUNDLE picks another build, e.g. firmware/dist/parking-node.min.js, the one that is flashed. */
const BUNDLE = process.env.FIRMWARE_BUNDLE ?? join(REPO_ROOT, "firmware", "dist", "parking-node.js");
const FLOOR_CM = 250;
const CAR_CM = 100;

let broker: Mosquitto;
let dir: string;
let watcher: MqttClient;
const messages: Array<{ topic: string; payload: string; at: number }> = [];
let lastBox: EspruinoSandbox | undefined;
/** Every node a test booted: stopped after it, so no node talks into the next test. */
const running: EspruinoSandbox[] = [];

function settings(spot: string, port: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify(
    Object.assign(
      {
        zone: "A",
        spot,
        wifi: { ssid: "", password: "" },
        mqtt: { host: "127.0.0.1", port, username: "", password: "" },
        pins: { trigger: "D5", echo: "D18" },
        threshold_cm: 205,
        interval_s: 1,
        heartbeat_s: 30,
        pings: 5,
        cycles_to_change: 2,
      },
      extra,
    ),
  );
}

interface Node {
  box: EspruinoSandbox;
  /** What the virtual HC-SR04 sees; change it to park or remove a car. */
  distance: { cm: number | null };
  /** Trigger pulses so far. */
  pings: () => number;
}

function bootNode(
  spot: string,
  port: number,
  extra: Record<string, unknown> = {},
  options: { wifi?: WifiOptions } = {},
): Node {
  const distance: { cm: number | null } = { cm: FLOOR_CM };
  let pings = 0;
  const box = sandbox({
    ...options,
    storage: { ".bootcde": readFileSync(BUNDLE, "latin1"), "parking.json": settings(spot, port, extra) },
    hcsr04: {
      trigger: "D5",
      echo: "D18",
      distanceCm: () => {
        pings++;
        return distance.cm;
      },
    },
  });
  lastBox = box;
  running.push(box);
  box.boot();
  return { box, distance, pings: () => pings };
}

function on(topic: string): Array<{ payload: string; at: number }> {
  return messages.filter((m) => m.topic === topic).map((m) => ({ payload: m.payload, at: m.at }));
}

function reports(spot: string): Array<Record<string, unknown>> {
  return on(`parking/A/${spot}`).map((m) => JSON.parse(m.payload) as Record<string, unknown>);
}

/** A TCP relay to the broker that can swallow what the broker sends (PUBACKs never arrive). */
interface Relay {
  port: number;
  deaf: boolean;
  /** Bytes the node sent, one string per chunk, latin1. */
  sent: string[];
  close(): Promise<void>;
}

async function relay(to: number): Promise<Relay> {
  const sockets = new Set<Socket>();
  const r: Relay = { port: 0, deaf: false, sent: [], close: async () => undefined };
  const server: Server = createServer((client) => {
    const upstream = netConnect(to, "127.0.0.1");
    sockets.add(client).add(upstream);
    client.on("data", (chunk: Buffer) => {
      r.sent.push(chunk.toString("latin1"));
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (!r.deaf) client.write(chunk);
    });
    // Abrupt on both sides, so the broker sees the node vanish as the node saw the link go.
    client.on("close", () => upstream.resetAndDestroy());
    upstream.on("close", () => client.destroy());
    client.on("error", () => undefined);
    upstream.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  r.port = typeof address === "object" && address !== null ? address.port : 0;
  r.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return r;
}

describe("the real firmware bundle in the sandbox", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sandbox-firmware-"));
    broker = await startMosquitto(dir);
    watcher = await mqtt.connectAsync(broker.url, { clientId: "firmware-test-watcher" });
    watcher.on("message", (topic, payload) =>
      messages.push({ topic, payload: payload.toString(), at: Date.now() }),
    );
    await watcher.subscribeAsync("parking/#", { qos: 1 });
  });

  afterAll(async () => {
    await watcher?.endAsync();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  afterEach((context) => {
    if (context.task.result?.state === "fail") {
      // The node's console tells most about a failure; the broker's log the rest.
      console.log(
        `node console:\n${lastBox?.consoleLines().join("\n")}\nbroker log:\n${broker.log().slice(-3000)}`,
      );
    }
    for (const box of running.splice(0)) box.stop();
  });

  it("boots, connects through net, publishes online and a report", async () => {
    const { box } = bootNode("1", broker.port);
    await waitFor(() => on("parking/A/1/availability").some((m) => m.payload === "online"), "online");
    await waitFor(() => reports("1").length > 0, "a report");
    const first = reports("1")[0] ?? {};
    expect(["free", "unknown"]).toContain(first.status);
    expect(first.fw).toBe("0.1.0");
    await waitFor(() => reports("1").some((r) => r.status === "free"), "a free report");
    const free = reports("1").find((r) => r.status === "free") ?? {};
    expect(Math.abs(Number(free.distance_cm) - FLOOR_CM)).toBeLessThanOrEqual(1);
    expect(box.errors).toEqual([]);
    expect(box.consoleLines()).toContain("No Wifi module: network assumed up.");
  });

  it("in battery mode measures, publishes its report, then deep-sleeps for interval_s", async () => {
    const node = bootNode("9", broker.port, { battery_mode: true, interval_s: 60 });
    await waitFor(() => node.box.deepSleeps.length > 0, "deep sleep", 20_000);
    expect(node.box.deepSleeps[0]).toBe(60 * 1e6);
    // The report of the wake reached the broker before the node slept.
    expect(reports("9").some((r) => r.status === "free")).toBe(true);
    // It said goodbye: the broker did not fire its will, so a sleeping node is not shown offline.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(on("parking/A/9/availability").map((m) => m.payload)).not.toContain("offline");
    expect(node.box.errors).toEqual([]);
  });

  it("calibrate() on the console measures the empty spot and stores its threshold", async () => {
    const node = bootNode("8", broker.port, { threshold_cm: 150 });
    await waitFor(() => reports("8").length > 0, "a report");
    node.distance.cm = 240;
    node.box.run("calibrate()");
    await waitFor(
      () => node.box.consoleLines().some((l) => l.startsWith("Calibrated:")),
      "calibration",
      20_000,
    );
    const stored = readEspruinoJson(node.box.storageFile("parking.json")) as { threshold_cm?: number };
    // The floor at 240 cm; a car roof sits at least 90 cm above it, so the threshold lies between.
    expect(stored.threshold_cm).toBeGreaterThan(150);
    expect(stored.threshold_cm).toBeLessThan(240);
    expect(node.box.errors).toEqual([]);
  }, 30_000);

  it("re-publishes its state as a heartbeat every heartbeat_s", async () => {
    const node = bootNode("7", broker.port, { heartbeat_s: 5 });
    await waitFor(() => reports("7").length > 0, "the boot report");
    await waitFor(() => reports("7").some((r) => r.reason === "heartbeat"), "a heartbeat", 9_000);
    const times = on("parking/A/7").map((m) => m.at);
    const beat = reports("7").findIndex((r, i) => i > 0 && r.reason === "heartbeat");
    // The first heartbeat comes a full period after the report before it, not sooner.
    expect((times[beat] ?? 0) - (times[beat - 1] ?? 0)).toBeGreaterThanOrEqual(4_500);
    expect(node.box.errors).toEqual([]);
  }, 15_000);

  it("joins Wi-Fi with backoff after failures, and re-joins when the access point drops", async () => {
    const node = bootNode(
      "10",
      broker.port,
      { wifi: { ssid: "lot-ap", password: "secret" } },
      { wifi: { failJoins: 2 } },
    );
    await waitFor(
      () => on("parking/A/10/availability").some((m) => m.payload === "online"),
      "online",
      10_000,
    );
    const lines = node.box.consoleLines();
    expect(lines).toContain("Wi-Fi join failed: auth failed; joining again in 1 s.");
    expect(lines).toContain("Wi-Fi join failed: auth failed; joining again in 2 s.");
    const joins = node.box.wifiJoins;
    expect(joins.map((j) => j.ssid)).toEqual(["lot-ap", "lot-ap", "lot-ap"]);
    expect((joins[2]?.at ?? 0) - (joins[1]?.at ?? 0)).toBeGreaterThanOrEqual(1_900);

    const onlineBefore = on("parking/A/10/availability").filter((m) => m.payload === "online").length;
    node.box.dropWifi();
    await waitFor(() => node.box.wifiJoins.length === 4, "a re-join", 5_000);
    // Back-off starts again from 1 s after a successful join.
    expect(node.box.consoleLines()).toContain("Wi-Fi disconnected; joining again in 1 s.");
    await waitFor(
      () => on("parking/A/10/availability").filter((m) => m.payload === "online").length > onlineBefore,
      "online again",
      15_000,
    );
    expect(node.box.errors).toEqual([]);
  }, 40_000);

  it("a virtual car arriving flips the state within 2 cycles", async () => {
    const node = bootNode("2", broker.port);
    await waitFor(() => reports("2").some((r) => r.status === "free"), "free", 15_000);
    node.distance.cm = CAR_CM;
    const pingsAtArrival = node.pings();
    await waitFor(() => reports("2").some((r) => r.status === "occupied"), "occupied", 15_000);
    // The cycle in progress when the car came (at most 5 pings) plus two full cycles.
    expect(node.pings() - pingsAtArrival).toBeLessThanOrEqual(5 + 2 * 5);
    const occupied = reports("2").find((r) => r.status === "occupied") ?? {};
    expect(occupied.reason).toBe("change");
    expect(Math.abs(Number(occupied.distance_cm) - CAR_CM)).toBeLessThanOrEqual(1);
    expect(node.box.errors).toEqual([]);
  });

  it("a cut socket leads to reconnect and re-send of the unacknowledged report", async () => {
    const link = await relay(broker.port);
    try {
      const node = bootNode("3", link.port);
      await waitFor(() => reports("3").some((r) => r.status === "free"), "free", 15_000);
      link.deaf = true; // the broker gets the next report, its PUBACK is lost
      node.distance.cm = CAR_CM;
      await waitFor(() => reports("3").some((r) => r.status === "occupied"), "occupied", 15_000);
      const sentBefore = link.sent.length;
      link.deaf = false;
      node.box.cutSocket();
      await waitFor(
        () => reports("3").filter((r) => r.status === "occupied" && r.reason === "change").length >= 2,
        "the report again",
        15_000,
      );
      const changes = reports("3").filter((r) => r.status === "occupied" && r.reason === "change");
      expect(changes[1]).toEqual(changes[0]); // the same report, same seq: a re-send, not a new one
      // On the new connection the PUBLISH went out again with DUP set (0x3b: QoS 1, retain, DUP).
      const resent = link.sent.slice(sentBefore).join("");
      expect(resent.includes("\x3b")).toBe(true);
      expect(node.box.errors).toEqual([]);
    } finally {
      await link.close();
    }
  });

  it("an abrupt drop fires the last will offline, then the node comes back online", async () => {
    const node = bootNode("4", broker.port);
    await waitFor(() => on("parking/A/4/availability").some((m) => m.payload === "online"), "online");
    node.box.cutSocket();
    await waitFor(
      () => on("parking/A/4/availability").some((m) => m.payload === "offline"),
      "offline",
      15_000,
    );
    await waitFor(() => on("parking/A/4/availability").length >= 3, "online again", 15_000);
    // QoS 1 is at-least-once: an `online` unacknowledged when the socket died is sent again.
    const sequence = on("parking/A/4/availability")
      .map((m) => m.payload)
      .filter((payload, i, all) => payload !== all[i - 1]);
    expect(sequence).toEqual(["online", "offline", "online"]);
    expect(node.box.consoleLines().some((l) => l.startsWith("MQTT: "))).toBe(true);
  });

  it("with the broker unreachable, reports appear as JSON lines on the console", async () => {
    const node = bootNode("5", await freePort());
    await waitFor(() => node.box.consoleLines().some((l) => l.startsWith("{")), "a JSON line", 15_000);
    const line = node.box.consoleLines().find((l) => l.startsWith("{")) ?? "";
    const report = JSON.parse(line) as Record<string, unknown>;
    expect(report.zone).toBe("A");
    expect(report.spot).toBe("5");
    expect(["free", "unknown"]).toContain(report.status);
    expect(reports("5")).toEqual([]);
  });

  it("a config message changes the threshold, in use at once and saved to Storage", async () => {
    const node = bootNode("6", broker.port);
    await waitFor(() => reports("6").some((r) => r.status === "free"), "free", 15_000);
    // The floor at 250 cm is under a 300 cm threshold: the spot now reads occupied.
    await watcher.publishAsync("parking/A/6/config", JSON.stringify({ threshold_cm: 300 }), { qos: 1 });
    await node.box.waitForLine(/^Config applied/);
    await waitFor(() => reports("6").some((r) => r.status === "occupied"), "occupied", 15_000);
    const saved = readEspruinoJson(node.box.storageFile("parking.json"));
    expect(saved.threshold_cm).toBe(300);
  });
});
