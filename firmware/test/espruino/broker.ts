import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, afterEach, beforeAll } from "vitest";
import { type EspruinoNode, type NodeOptions, startNode } from "../../../testkit/espruino.js";
import { type Mosquitto, restartMosquitto, startMosquitto } from "../../../testkit/mosquitto.js";

export interface Seen {
  topic: string;
  payload: string;
  retain: boolean;
}

/** A real Mosquitto and an mqtt.js subscriber that records everything under `parking/#`. */
export interface Broker {
  mosquitto: Mosquitto;
  seen: Seen[];
  /** Messages on `topic` so far, oldest first. */
  on(topic: string): Seen[];
  waitFor(what: string, cond: () => boolean, timeoutMs?: number): Promise<void>;
  publish(topic: string, payload: string, retain?: boolean): Promise<void>;
  restart(downMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function startBroker(): Promise<Broker> {
  const dir = mkdtempSync(join(tmpdir(), "espruino-broker-"));
  let mosquitto = await startMosquitto(dir);
  const seen: Seen[] = [];
  const observer = await mqtt.connectAsync(mosquitto.url, { reconnectPeriod: 200 });
  observer.on("message", (topic, payload, packet) =>
    seen.push({ topic, payload: payload.toString(), retain: packet.retain }),
  );
  await observer.subscribeAsync("parking/#", { qos: 1 });
  const broker: Broker = {
    get mosquitto() {
      return mosquitto;
    },
    seen,
    on: (topic) => seen.filter((m) => m.topic === topic),
    waitFor: async (what, cond, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!cond()) {
        if (Date.now() > deadline) {
          const got = seen.map((m) => `${m.topic} ${m.payload}`).join("\n");
          throw new Error(`timed out waiting for ${what}; the broker saw:\n${got}`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    publish: async (topic, payload, retain = true) => {
      await observer.publishAsync(topic, payload, { qos: 1, retain });
    },
    restart: async (downMs) => {
      const port = mosquitto.port;
      await mosquitto.stop();
      await new Promise((r) => setTimeout(r, downMs));
      mosquitto = await restartMosquitto(dir, port);
    },
    close: async () => {
      await observer.endAsync(true);
      await mosquitto.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return broker;
}

/**
 * A test file's rig: one broker for the file, and every node a test starts disposed of after
 * that test, so no node talks into the next one.
 */
export function espruinoRig(): { broker(): Broker; node(options: NodeOptions): Promise<EspruinoNode> } {
  let broker: Broker | undefined;
  const nodes: EspruinoNode[] = [];
  beforeAll(async () => {
    broker = await startBroker();
  });
  afterAll(async () => {
    await broker?.close();
  });
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.dispose();
  });
  return {
    broker: () => {
      if (broker === undefined) throw new Error("the broker starts in beforeAll");
      return broker;
    },
    node: async (options) => {
      const n = await startNode(options);
      nodes.push(n);
      return n;
    },
  };
}

/** parking.json for spot `spot` of zone A reporting to `broker` every second, plus `extra`. */
export function spotSettings(
  broker: Broker,
  spot: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    zone: "A",
    spot,
    mqtt: { host: "127.0.0.1", port: broker.mosquitto.port },
    interval_s: 1,
    ...extra,
  };
}
