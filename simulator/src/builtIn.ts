import type { Logger } from "pino";
import { NO_FAULTS } from "./faults.js";
import { DEFAULT_ZONES, parseZones } from "./layout.js";
import { PROFILES } from "./profiles.js";
import { type RunningSimulator, startSimulator } from "./simulator.js";

/** `npm start`'s lot: the original system's 24 spots, an office day passing 60 times faster than real time. */
export const BUILT_IN = { zones: DEFAULT_ZONES, speed: 60, profile: "office" } as const;

/**
 * The gateway's `--simulate`: the same simulator as `parking simulate`, with `npm start`'s
 * defaults, reporting to the gateway's own broker.
 */
export function startBuiltInSimulator(
  mqttUrl: string,
  topicRoot: string,
  logger: Logger,
): Promise<RunningSimulator> {
  const zones = parseZones(BUILT_IN.zones);
  if (typeof zones === "string") throw new Error(zones);
  return startSimulator({
    zones,
    topicRoot,
    transport: { kind: "mqtt", url: mqttUrl, connections: 0 },
    speed: BUILT_IN.speed,
    seed: Math.floor(Math.random() * 2 ** 32),
    startMs: Date.now(),
    profile: PROFILES[BUILT_IN.profile],
    faults: NO_FAULTS,
    firmware: 0,
    logger,
  });
}
