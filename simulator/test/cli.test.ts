import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnParking } from "../../gateway/test/support/child.js";
import { tempDir } from "../../gateway/test/support/gateway.js";
import { type Mosquitto, startMosquitto } from "../../testkit/mosquitto.js";
import type { TruthLine } from "../src/truth.js";
import { readTruth } from "./support.js";

let dir: string;
let broker: Mosquitto;

beforeAll(async () => {
  dir = tempDir("parking-sim-cli-");
  broker = await startMosquitto(dir);
});

afterAll(async () => {
  await broker?.stop();
});

/** Occupied share of the lot at each instant, sampled every `stepMs` from the truth. */
function occupancyByHour(lines: TruthLine[], stepMs: number): Map<number, number[]> {
  const start = lines.find((l) => l.type === "start") as TruthLine;
  const end = lines.find((l) => l.type === "end") as TruthLine;
  const spots = (start.zones as Array<{ spots: string[] }>).reduce((n, z) => n + z.spots.length, 0);
  const changes = lines.filter((l) => l.type === "arrival" || l.type === "departure");
  const byHour = new Map<number, number[]>();
  let occupied = 0;
  let i = 0;
  for (let t = start.t; t < end.t; t += stepMs) {
    while (i < changes.length && (changes[i] as TruthLine).t <= t) {
      occupied += (changes[i] as TruthLine).type === "arrival" ? 1 : -1;
      i += 1;
    }
    const hour = new Date(t).getHours();
    byHour.set(hour, [...(byHour.get(hour) ?? []), occupied / spots]);
  }
  return byHour;
}

function mean(byHour: Map<number, number[]>, from: number, to: number): number {
  const values: number[] = [];
  for (let h = from; h < to; h++) values.push(...(byHour.get(h) ?? []));
  return values.reduce((a, b) => a + b, 0) / values.length;
}

describe("parking simulate", () => {
  it("simulates an office weekday at --speed 1440: busy working hours, an empty night", async () => {
    const truth = join(dir, "weekday.jsonl");
    const midnight = new Date(2026, 10, 24).toISOString();
    const sim = spawnParking([
      "simulate",
      "--mqtt-url",
      broker.url,
      "--topic-root",
      "weekday",
      "--spots",
      "60",
      "--zone-count",
      "3",
      "--speed",
      "1440",
      "--duration",
      "1d",
      "--start",
      midnight,
      "--seed",
      "11",
      "--profile",
      "office",
      "--truth",
      truth,
    ]);
    const code = await sim.exited;
    expect(code, sim.stderr() + sim.stdout()).toBe(0);
    const lines = readTruth(truth);
    const end = lines.at(-1) as TruthLine;
    expect(end.type).toBe("end");
    expect(end.t - (lines[0] as TruthLine).t).toBe(86_400_000);
    const byHour = occupancyByHour(lines, 60_000);
    const working = mean(byHour, 10, 16);
    const night = mean(byHour, 0, 5);
    console.log(
      `office weekday: ${(working * 100).toFixed(0)} % 10–16 h, ${(night * 100).toFixed(0)} % 0–5 h`,
    );
    expect(working).toBeGreaterThan(0.7);
    expect(working).toBeGreaterThan(4 * night);
    // The status line reached the log: simulated clock, occupancy, reports/s.
    expect(sim.stderr()).toMatch(/sim \w{3} \d\d:\d\d:\d\d ×1440 · occupied \d+\/60/);
  }, 120_000);

  it.each([
    [["--zones", "A:x"], "--zones"],
    [["--speed", "0"], "--speed"],
    [["--profile", "/nonexistent/demand.csv"], "--profile"],
  ])("%j ends with one sentence naming the flag and exit code 2", async (args, flag) => {
    const sim = spawnParking(["simulate", "--mqtt-url", broker.url, ...args]);
    const code = await sim.exited;
    expect(code).toBe(2);
    const lines = sim.stderr().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(flag);
  });

  it("refuses a truth file it cannot write, naming --truth", async () => {
    const sim = spawnParking(["simulate", "--mqtt-url", broker.url, "--truth", "/nonexistent/dir/t.jsonl"]);
    expect(await sim.exited).toBe(1);
    expect(sim.stderr()).toContain("--truth");
  });
});
