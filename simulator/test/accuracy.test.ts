import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway, tempDir } from "../../gateway/test/support/gateway.js";
import { type Mosquitto, startMosquitto } from "../../testkit/mosquitto.js";
import { loadProfile } from "../src/profiles.js";
import { fetchObservations, scoreRun } from "../src/score.js";
import { TruthWriter } from "../src/truth.js";
import { readTruth, simulate } from "./support.js";

/**
 * The accuracy bar on a short run: scored from the truth file against the gateway's
 * history, with default noise, the gateway's state matches the truth for at least 99 % of
 * spot-time, and arrivals are seen within 2 measurement cycles at p95. A busy profile (cars
 * stay about 20 minutes) packs many arrivals into one simulated hour.
 */
let dir: string;
let broker: Mosquitto;
let gateway: TestGateway;

beforeAll(async () => {
  dir = tempDir("parking-sim-acc-");
  broker = await startMosquitto(dir);
  gateway = await startTestGateway({ mqttUrl: broker.url });
});

afterAll(async () => {
  await gateway?.dispose();
  await broker?.stop();
});

describe("accuracy against the truth", () => {
  it("matches ≥ 99 % of spot-time and sees arrivals within 2 cycles at p95", async () => {
    const csv = join(dir, "busy.csv");
    writeFileSync(
      csv,
      [
        "hour,arrivals_per_spot_hour,median_dwell_min",
        ...Array.from({ length: 24 }, (_, h) => `${h},1.4,20`),
      ].join("\n"),
    );
    const profile = loadProfile(csv);
    if (typeof profile === "string") throw new Error(profile);
    const truthPath = join(dir, "truth.jsonl");
    const truth = await TruthWriter.open(truthPath);
    const sim = await simulate(broker.url, {
      zones: [
        { zone: "Acc_A", spots: Array.from({ length: 24 }, (_, i) => `p${i + 1}`) },
        { zone: "Acc_B", spots: Array.from({ length: 24 }, (_, i) => `p${i + 1}`) },
      ],
      profile,
      seed: 2026,
      speed: 180,
      durationMs: 60 * 60_000,
      truth,
    });
    await sim.finished;
    // Let the last reports reach the store before the nodes say goodbye.
    await new Promise((r) => setTimeout(r, 500));
    await sim.stop();
    const lines = readTruth(truthPath);
    const observed = await fetchObservations(gateway.baseUrl, lines);
    const score = scoreRun(lines, observed);
    console.log(
      `accuracy: ${(score.agreement * 100).toFixed(2)} % of spot-time over ${score.spots} spots; ` +
        `${score.arrivals} arrivals, ${score.missed} missed, latency p50 ${score.latencyCycles.p50.toFixed(2)} / ` +
        `p95 ${score.latencyCycles.p95.toFixed(2)} cycles`,
    );
    expect(score.spots).toBe(48);
    expect(score.arrivals).toBeGreaterThan(40);
    expect(score.agreement).toBeGreaterThanOrEqual(0.99);
    expect(score.latencyCycles.p95).toBeLessThanOrEqual(2);
    expect(score.missed).toBe(0);
  }, 90_000);
});
