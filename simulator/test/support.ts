import { readFileSync } from "node:fs";
import mqtt, { type MqttClient } from "mqtt";
import { pino } from "pino";
import { NO_FAULTS } from "../src/faults.js";
import { parseZones } from "../src/layout.js";
import { PROFILES } from "../src/profiles.js";
import { type RunningSimulator, type SimulatorOptions, startSimulator } from "../src/simulator.js";
import { parseTruth, type TruthLine } from "../src/truth.js";

export const quiet = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

/** A simulator with test defaults: the original lot, office profile, no faults, on `url`. */
export function simulate(url: string, options: Partial<SimulatorOptions> = {}): Promise<RunningSimulator> {
  const zones = parseZones("Zone_A:8,Zone_B:6,Zone_C:10");
  if (typeof zones === "string") throw new Error(zones);
  return startSimulator({
    zones,
    topicRoot: "parking",
    transport: { kind: "mqtt", url, connections: 0 },
    speed: 1,
    seed: 1,
    startMs: new Date(2026, 10, 24, 10).getTime(),
    profile: PROFILES.office,
    faults: NO_FAULTS,
    firmware: 0,
    logger: quiet,
    clientPrefix: `sim-test-${Math.random().toString(36).slice(2, 8)}`,
    ...options,
  });
}

/** Records every message under a topic filter, in arrival order. */
export async function recordTopics(
  url: string,
  filter: string,
): Promise<{ messages: Array<{ topic: string; payload: string }>; client: MqttClient }> {
  const client = await mqtt.connectAsync(url, {
    clientId: `rec-${Math.random().toString(36).slice(2, 8)}`,
    clean: true,
  });
  const messages: Array<{ topic: string; payload: string }> = [];
  client.on("message", (topic, payload, packet) => {
    // Retained copies from an earlier run are not part of this run's stream.
    if (!packet.retain) messages.push({ topic, payload: payload.toString() });
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return { messages, client };
}

export function readTruth(path: string): TruthLine[] {
  return parseTruth(readFileSync(path, "utf8"));
}
