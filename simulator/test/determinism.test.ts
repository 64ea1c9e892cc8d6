import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../gateway/test/support/gateway.js";
import { type Mosquitto, startMosquitto } from "../../testkit/mosquitto.js";
import { recordTopics, simulate } from "./support.js";

/**
 * Same seed, same run: two runs of the simulator with one seed and start produce the same
 * reports, byte for byte, through a real Mosquitto.
 */
let broker: Mosquitto;

beforeAll(async () => {
  broker = await startMosquitto(tempDir("parking-sim-det-"));
});

afterAll(async () => {
  await broker?.stop();
});

async function run(
  seed: number,
  connections: number,
  topicRoot: string,
): Promise<Array<{ topic: string; payload: string }>> {
  const recorder = await recordTopics(broker.url, `${topicRoot}/+/+`);
  // 20 simulated minutes of a busy lunchtime in 2 real seconds.
  const sim = await simulate(broker.url, {
    seed,
    topicRoot,
    speed: 600,
    durationMs: 20 * 60_000,
    startMs: new Date(2026, 10, 24, 12).getTime(),
    transport: { kind: "mqtt", url: broker.url, connections },
  });
  await sim.finished;
  await sim.stop();
  await new Promise((r) => setTimeout(r, 300));
  await recorder.client.endAsync();
  return recorder.messages;
}

describe("a seeded run", () => {
  it("produces an identical report stream twice, and another seed a different one", async () => {
    const a = await run(42, 1, "det1");
    const b = await run(42, 1, "det2");
    const c = await run(43, 1, "det3");
    const strip = (m: Array<{ topic: string; payload: string }>) =>
      m.map((x) => `${x.topic.split("/").slice(1).join("/")} ${x.payload}`);
    // Heartbeats every 30 simulated s for 24 spots over 20 minutes, plus boots and changes.
    expect(a.length).toBeGreaterThan(24 * 35);
    expect(strip(b)).toEqual(strip(a));
    expect(strip(c)).not.toEqual(strip(a));
  });

  it("gives each node the same reports with one connection per node (order only differs across nodes)", async () => {
    const a = await run(7, 0, "det4");
    const b = await run(7, 0, "det5");
    const byTopic = (m: Array<{ topic: string; payload: string }>) => {
      const map = new Map<string, string[]>();
      for (const x of m) {
        const key = x.topic.split("/").slice(1).join("/");
        map.set(key, [...(map.get(key) ?? []), x.payload]);
      }
      return Object.fromEntries([...map.entries()].sort());
    };
    expect(Object.keys(byTopic(a))).toHaveLength(24);
    expect(byTopic(b)).toEqual(byTopic(a));
  });
});
