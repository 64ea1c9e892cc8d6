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
import { NO_FAULTS } from "../src/faults.js";
import { fetchObservations } from "../src/score.js";
import type { RunningSimulator } from "../src/simulator.js";
import { TruthWriter } from "../src/truth.js";
import { readTruth, simulate } from "./support.js";

interface Health {
  ingest: { duplicates: number; stale: number; rejected_total: number; rejected: Record<string, number> };
}

/**
 * Every fault `--faults` offers, at rates high enough to see in a short run, against a real
 * Mosquitto and gateway: each must show where a user would look for it.
 */
let dir: string;
let broker: Mosquitto;
let gateway: TestGateway;
let sim: RunningSimulator | undefined;

beforeAll(async () => {
  dir = tempDir("parking-sim-faults-");
  broker = await startMosquitto(dir);
  gateway = await startTestGateway({ mqttUrl: broker.url });
});

afterAll(async () => {
  await sim?.stop();
  await gateway?.dispose();
  await broker?.stop();
});

async function settledHealth(base: string): Promise<Health> {
  // Everything sent has reached the gateway once its counters stop moving.
  let last = "";
  return eventually(
    async () => {
      const h = (await getJson<Health>(`${base}/api/health`)).body;
      const { duplicates, stale, rejected_total } = h.ingest;
      const now = JSON.stringify([duplicates, stale, rejected_total]);
      const settled = now === last;
      last = now;
      await new Promise((r) => setTimeout(r, 300));
      return settled ? h : undefined;
    },
    10_000,
    "the gateway's counters to settle",
  );
}

describe("fault injection", () => {
  it("duplicates, reorders and mangles reports, and the gateway counts each", async () => {
    const before = await settledHealth(gateway.baseUrl);
    sim = await simulate(broker.url, {
      topicRoot: "parking",
      speed: 60,
      seed: 98,
      durationMs: 10 * 60_000,
      faults: { ...NO_FAULTS, duplicate: 0.1, reorder: 0.1, malformed: 0.05 },
    });
    await sim.finished;
    const counts = sim.status().faults;
    await sim.stop();
    sim = undefined;
    const after = await settledHealth(gateway.baseUrl);
    for (const name of ["duplicate", "reorder", "malformed"] as const)
      expect(counts[name], name).toBeGreaterThan(5);
    // Every mangled payload is refused and counted by its reason; nothing else is refused.
    expect(after.ingest.rejected_total - before.ingest.rejected_total).toBe(counts.malformed);
    expect(Object.keys(after.ingest.rejected).length).toBeGreaterThan(1);
    // A second copy is dropped as a duplicate; a report delivered after a newer one as stale.
    expect(after.ingest.duplicates - before.ingest.duplicates).toBeGreaterThanOrEqual(counts.duplicate);
    // A report still held back when the run ended was never delivered: at most one per node.
    const stale = after.ingest.stale - before.ingest.stale;
    expect(stale).toBeLessThanOrEqual(counts.reorder);
    expect(stale).toBeGreaterThanOrEqual(counts.reorder - 24);
  }, 60_000);

  it("drops nodes (last will), cuts connections, sticks sensors and skews clocks", async () => {
    const truthPath = join(dir, "faults.jsonl");
    sim = await simulate(broker.url, {
      speed: 60,
      seed: 99,
      durationMs: 15 * 60_000,
      faults: { ...NO_FAULTS, dropout: 4, disconnect: 4, stuck: 2, skew: 0.25 },
      truth: await TruthWriter.open(truthPath),
    });
    await sim.finished;
    const status = sim.status();
    await sim.stop();
    sim = undefined;
    for (const name of ["dropout", "disconnect", "stuck", "skew"] as const) {
      expect(status.faults[name], name).toBeGreaterThan(0);
    }
    // Cut connections came back through the nodes' own backoff.
    expect(status.reconnects).toBeGreaterThan(0);
    const truth = readTruth(truthPath);
    expect(truth.filter((l) => l.type === "fault" && l.fault === "skew")).toHaveLength(status.faults.skew);
    const observed = await fetchObservations(gateway.baseUrl, truth);
    const end = (truth.find((l) => l.type === "end") as { t: number }).t;
    // A node that lost power went offline through its last will, and was back after its reboot.
    const cameBack = truth.filter(
      (d) =>
        d.type === "fault" &&
        d.fault === "dropout" &&
        Number(d.until) < end &&
        observed.some(
          (o) =>
            o.zone === d.zone && o.spot === d.spot && o.state === "offline" && Math.abs(o.t - d.t) < 60_000,
        ) &&
        observed.some(
          (o) => o.zone === d.zone && o.spot === d.spot && o.state !== "offline" && o.t > Number(d.until),
        ),
    );
    expect(cameBack.length).toBeGreaterThan(0);
  }, 60_000);
});
