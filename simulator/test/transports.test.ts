import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  getJson,
  startTestGateway,
  type TestGateway,
  tempDir,
} from "../../gateway/test/support/gateway.js";
import { type Mosquitto, startMosquitto } from "../../testkit/mosquitto.js";
import { FirmwareFleet, firmwareBroker } from "../src/firmwareFleet.js";
import { openSerialSink } from "../src/serialSink.js";
import type { RunningSimulator } from "../src/simulator.js";
import { type TruthLine, TruthWriter } from "../src/truth.js";
import { readTruth, simulate } from "./support.js";

interface Current {
  total: number;
  spots: Array<{ zone: string; spot: string; status: string; online: boolean; fw: string | null }>;
}

/** Which spots hold a vehicle at the end of the truth file so far. */
function occupiedNow(lines: TruthLine[]): Set<string> {
  const occupied = new Set<string>();
  for (const l of lines) {
    if (l.type === "arrival") occupied.add(`${l.zone}/${l.spot}`);
    if (l.type === "departure") occupied.delete(`${l.zone}/${l.spot}`);
  }
  return occupied;
}

let dir: string;
let broker: Mosquitto;
let gateway: TestGateway | undefined;
let sim: RunningSimulator | undefined;

beforeAll(async () => {
  dir = tempDir("parking-sim-transport-");
  broker = await startMosquitto(dir);
});

afterAll(async () => {
  await sim?.stop();
  await gateway?.dispose();
  await broker?.stop();
});

describe("firmware in the loop", () => {
  it("24 spots on the real firmware bundle publish through Mosquitto and show in the gateway as the traffic has them", async () => {
    gateway = await startTestGateway({ mqttUrl: broker.url });
    const truthPath = join(dir, "fil.jsonl");
    const broker_ = firmwareBroker(broker.url);
    if (typeof broker_ === "string") throw new Error(broker_);
    sim = await simulate(broker.url, {
      zones: [
        { zone: "FW", spots: Array.from({ length: 24 }, (_, i) => `fw_${i + 1}`) },
        { zone: "SYN", spots: Array.from({ length: 6 }, (_, i) => `syn_${i + 1}`) },
      ],
      firmware: 24,
      firmwareFleet: () => new FirmwareFleet({ ...broker_, topicRoot: "parking" }),
      truth: await TruthWriter.open(truthPath),
      seed: 24,
    });
    const base = gateway.baseUrl;
    const matched = await eventually(
      async () => {
        const current = (await getJson<Current>(`${base}/api/current`)).body;
        const fw = current.spots.filter((s) => s.zone === "FW" && s.online);
        if (current.total !== 30 || fw.length !== 24) return undefined;
        const occupied = occupiedNow(readTruth(truthPath));
        const wrong = fw.filter((s) => (occupied.has(`FW/${s.spot}`) ? "occupied" : "free") !== s.status);
        return wrong.length === 0 ? fw : undefined;
      },
      25_000,
      "24 firmware spots online, each as the traffic model has it",
    );
    expect(matched).toHaveLength(24);
    const occupied = occupiedNow(readTruth(truthPath));
    // The office at 10:00: both kinds of spot are present, or the comparison proves little.
    expect([...occupied].filter((k) => k.startsWith("FW/")).length).toBeGreaterThan(4);
    expect([...occupied].filter((k) => k.startsWith("FW/")).length).toBeLessThan(24);
    expect(sim.status().firmwareNodes).toBe(24);
    expect(sim.status().firmwareCrashed).toBe(0);
    await sim.stop();
    sim = undefined;
    await gateway.dispose();
    gateway = undefined;
  }, 60_000);
});

describe("serial transport", () => {
  it("reaches the gateway's --serial ingest through a pty pair", async () => {
    const sink = await openSerialSink({ dir: join(dir, "pty") });
    gateway = await startTestGateway({ serial: sink.gatewayPath });
    const base = gateway.baseUrl;
    // serialport flushes what was queued before the gateway opened its end.
    await eventually(
      async () =>
        (await getJson<{ serial: Array<{ open: boolean }> }>(`${base}/api/health`)).body.serial[0]?.open
          ? true
          : undefined,
      10_000,
      "the gateway's serial link to open",
    );
    const truthPath = join(dir, "serial.jsonl");
    sim = await simulate(broker.url, {
      transport: { kind: "serial", sink },
      truth: await TruthWriter.open(truthPath),
      seed: 5,
    });
    const spots = await eventually(
      async () => {
        const current = (await getJson<Current>(`${base}/api/current`)).body;
        const known = current.spots.filter((s) => s.status === "free" || s.status === "occupied");
        return current.total === 24 && known.length === 24 ? current.spots : undefined;
      },
      15_000,
      "24 spots over serial",
    );
    const occupied = occupiedNow(readTruth(truthPath));
    for (const s of spots) expect(s.status).toBe(occupied.has(`${s.zone}/${s.spot}`) ? "occupied" : "free");
    expect(sim.status().serialDropped).toBe(0);
    expect(sim.status().reportsSent).toBeGreaterThanOrEqual(24);
  }, 60_000);
});
