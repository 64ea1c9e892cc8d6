import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isUserFacing } from "../../gateway/src/errors.js";
import {
  eventually,
  getJson,
  startTestGateway,
  type TestGateway,
  tempDir,
} from "../../gateway/test/support/gateway.js";
import { type Mosquitto, startMosquitto } from "../../testkit/mosquitto.js";
import { FirmwareFleet, type FirmwareNodeSpec, firmwareBroker } from "../src/firmwareFleet.js";

const CAR_CM = 110;
const FLOOR_CM = 250;
const NODES = 24;

interface CurrentSpot {
  zone: string;
  spot: string;
  status: string;
  online: boolean;
  confidence: number;
}

interface Current {
  offline: number;
  spots: CurrentSpot[];
}

describe("FirmwareFleet: the real bundle per spot, through Mosquitto, into the gateway", () => {
  let dir: string;
  let broker: Mosquitto | undefined;
  let gateway: TestGateway | undefined;
  let fleet: FirmwareFleet | undefined;
  const log: string[] = [];

  beforeAll(async () => {
    dir = tempDir("firmware-fleet-");
    broker = await startMosquitto(dir);
    gateway = await startTestGateway({ mqttUrl: broker.url });
  });

  afterAll(async () => {
    fleet?.stop();
    await gateway?.dispose();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function current(): Promise<Current> {
    const { body } = await getJson<Current>(`${gateway?.baseUrl}/api/current?zone=FW`);
    return body;
  }

  it(`${NODES} nodes report their spots, a parked car turns one occupied, stop leaves nothing running`, async () => {
    // Odd spots have a car under them; the sensor sees ±0.8 cm of noise.
    const distance = new Map<string, number>();
    let pings = 0;
    const nodes: FirmwareNodeSpec[] = Array.from({ length: NODES }, (_, i) => {
      const spot = `fw_${i + 1}`;
      distance.set(spot, i % 2 === 0 ? CAR_CM : FLOOR_CM);
      return {
        zone: "FW",
        spot,
        distanceCm: () => (distance.get(spot) ?? FLOOR_CM) + ((pings++ % 5) - 2) * 0.4,
      };
    });
    const expected = (spot: string): string => ((distance.get(spot) ?? 0) < 200 ? "occupied" : "free");
    const { port } = broker as Mosquitto;
    fleet = new FirmwareFleet({
      host: "127.0.0.1",
      port,
      topicRoot: "parking",
      intervalS: 1,
      onConsole: (zone, spot, line) => log.push(`${zone}/${spot}: ${line}`),
    });
    try {
      fleet.start(nodes);
      expect(fleet.size).toBe(NODES);
      const settled = (c: Current): boolean =>
        c.spots.length === NODES &&
        c.spots.every((s) => s.online && s.status === expected(s.spot) && s.confidence > 0.5);
      await eventually(
        async () => {
          const c = await current();
          return settled(c) ? c : undefined;
        },
        20_000,
        `all ${NODES} firmware spots with their right status`,
      );
      expect(log).toContain("FW/fw_1: No Wifi module: network assumed up.");

      distance.set("fw_2", CAR_CM);
      await eventually(
        async () =>
          (await current()).spots.find((s) => s.spot === "fw_2")?.status === "occupied" ? true : undefined,
        10_000,
        "fw_2 occupied after a car parked",
      );
      expect(fleet.crashed).toBe(0);

      fleet.stop();
      expect(fleet.size).toBe(0);
      expect(fleet.activeHandles()).toBe(0);
      fleet.stop();
      // The sockets died without DISCONNECT: Mosquitto publishes every node's last will.
      await eventually(
        async () => ((await current()).offline === NODES ? true : undefined),
        10_000,
        "every firmware spot offline by its last will",
      );
    } catch (error) {
      console.log(
        `node consoles:\n${log.slice(-200).join("\n")}\nbroker log:\n${broker?.log().slice(-3000)}`,
      );
      throw error;
    }
  }, 45_000);
});

describe("FirmwareFleet without a bundle", () => {
  it("refuses with one sentence that says to build", () => {
    const path = join(tempDir("no-bundle-"), "parking-node.js");
    let error: unknown;
    try {
      new FirmwareFleet({ host: "127.0.0.1", port: 1883, topicRoot: "parking", bundlePath: path });
    } catch (e) {
      error = e;
    }
    expect(isUserFacing(error)).toBe(true);
    expect((error as Error).message).toBe(
      `--firmware needs the built firmware bundle (${path}); run npm run build.`,
    );
  });
});

describe("firmwareBroker", () => {
  it("reads host and port, 1883 by default, and credentials", () => {
    expect(firmwareBroker("mqtt://h:1884")).toEqual({ host: "h", port: 1884 });
    expect(firmwareBroker("mqtt://broker.lan")).toEqual({ host: "broker.lan", port: 1883 });
    expect(firmwareBroker("tcp://10.0.0.2:1885/")).toEqual({ host: "10.0.0.2", port: 1885 });
    expect(firmwareBroker("mqtt://node:s%40cret@127.0.0.1:1883")).toEqual({
      host: "127.0.0.1",
      port: 1883,
      username: "node",
      password: "s@cret",
    });
  });

  it.each(["ws://h:9001", "wss://h:9001", "mqtts://h:8883"])(
    "refuses %s: the firmware has no TLS or WebSocket",
    (url) => {
      const answer = firmwareBroker(url);
      expect(typeof answer).toBe("string");
      expect(answer).toContain("--mqtt-url");
      expect(answer).toContain("TLS or WebSocket");
    },
  );

  it.each(["not a url", "mqtt://", "h:1883", "mqtt://[::1]:1883", "mqtt://h:0"])("refuses %s", (url) => {
    const answer = firmwareBroker(url);
    expect(typeof answer).toBe("string");
    expect(answer).toContain("--mqtt-url");
  });

  it("never echoes a password", () => {
    expect(firmwareBroker("ws://u:hunter2@h:9001")).not.toContain("hunter2");
  });
});
