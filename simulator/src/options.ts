import { isValidTopicRoot } from "../../protocol/src/topics.js";
import { type FaultRates, parseFaults } from "./faults.js";
import { DEFAULT_ZONES, evenZones, parseZones, type ZoneLayout } from "./layout.js";
import { type DemandProfile, loadProfile } from "./profiles.js";

/** `parking simulate` flags as commander hands them over (strings; booleans for switches). */
export interface SimulateFlags {
  mqttUrl?: string;
  topicRoot?: string;
  zones?: string;
  spots?: string;
  zoneCount?: string;
  speed?: string;
  duration?: string;
  seed?: string;
  start?: string;
  profile?: string;
  transport?: string;
  serialDevice?: string;
  connections?: string;
  firmware?: string;
  faults?: string;
  truth?: string;
}

export interface SimulateConfig {
  zones: ZoneLayout[];
  spots: number;
  topicRoot: string;
  transport: "mqtt" | "serial";
  mqttUrl: string;
  serialDevice: string | undefined;
  /** 0: one connection per node. */
  connections: number;
  speed: number;
  seed: number;
  /** Simulated clock at the start, epoch ms. */
  startMs: number;
  durationMs: number | undefined;
  profile: DemandProfile;
  faults: FaultRates;
  firmware: number;
  truth: string | undefined;
}

/** Each flag's environment variable, where one exists (shared with the gateway's). */
export const SIMULATE_ENV: Partial<Record<keyof SimulateFlags, string>> = {
  mqttUrl: "PARKING_MQTT_URL",
  topicRoot: "PARKING_TOPIC_ROOT",
};

export const DEFAULT_MQTT_URL = "mqtt://localhost:1883";
const MAX_SPOTS = 100_000;
const MAX_SPEED = 100_000;

/**
 * Checks every flag and returns the run's configuration, or every error at once, each one
 * sentence naming its flag, so a person fixes the command line in one go.
 */
export function resolveSimulateFlags(
  flags: SimulateFlags,
  env: Record<string, string | undefined> = {},
  now: () => number = Date.now,
): { config: SimulateConfig; errors: string[] } | { config: undefined; errors: string[] } {
  const errors: string[] = [];
  const fail = <T>(message: string, fallback: T): T => {
    errors.push(message);
    return fallback;
  };

  let zones: ZoneLayout[] = [];
  if (flags.zones !== undefined && (flags.spots !== undefined || flags.zoneCount !== undefined)) {
    errors.push("--zones and --spots/--zone-count both describe the lot; give one or the other.");
  } else if (flags.spots !== undefined || flags.zoneCount !== undefined) {
    const spots =
      flags.spots === undefined
        ? fail("--zone-count needs --spots N.", 0)
        : wholeNumber("--spots", flags.spots, 1, MAX_SPOTS, errors);
    const zoneCount =
      flags.zoneCount === undefined ? 1 : wholeNumber("--zone-count", flags.zoneCount, 1, 1000, errors);
    if (spots !== undefined && zoneCount !== undefined && spots > 0) {
      if (zoneCount > spots) errors.push(`--zone-count ${zoneCount} is more zones than --spots ${spots}.`);
      else zones = evenZones(spots, zoneCount);
    }
  } else {
    const parsed = parseZones(flags.zones ?? DEFAULT_ZONES, "--zones");
    if (typeof parsed === "string") errors.push(parsed);
    else zones = parsed;
  }
  const spotCount = zones.reduce((n, z) => n + z.spots.length, 0);
  if (spotCount > MAX_SPOTS) errors.push(`--zones adds up to ${spotCount} spots; the most is ${MAX_SPOTS}.`);

  const topicRoot = flags.topicRoot ?? env.PARKING_TOPIC_ROOT ?? "parking";
  if (!isValidTopicRoot(topicRoot)) {
    errors.push(
      `--topic-root "${topicRoot}" is not a valid topic root (letters, digits, _ - and / between levels; no wildcards).`,
    );
  }

  const transport = flags.transport ?? "mqtt";
  if (transport !== "mqtt" && transport !== "serial") {
    errors.push(`--transport must be mqtt or serial; got "${transport}".`);
  }
  const mqttUrl = flags.mqttUrl ?? env.PARKING_MQTT_URL ?? DEFAULT_MQTT_URL;
  if (transport === "mqtt" && !isBrokerUrl(mqttUrl)) {
    errors.push(
      `--mqtt-url must be a broker URL like mqtt://host:1883 (mqtt, mqtts, ws or wss); got "${mqttUrl}".`,
    );
  }
  if (flags.serialDevice !== undefined && transport !== "serial") {
    errors.push("--serial-device is only used with --transport serial.");
  }

  const connections =
    flags.connections === undefined
      ? 0
      : (wholeNumber("--connections", flags.connections, 0, MAX_SPOTS, errors) ?? 0);
  const speed = flags.speed === undefined ? 1 : Number(flags.speed);
  if (!(Number.isFinite(speed) && speed > 0 && speed <= MAX_SPEED)) {
    errors.push(
      `--speed must be a number above 0 and at most ${MAX_SPEED} (simulated seconds per real second); got "${flags.speed}".`,
    );
  }
  let durationMs: number | undefined;
  if (flags.duration !== undefined) {
    durationMs = parseDuration(flags.duration);
    if (durationMs === undefined) {
      errors.push(
        `--duration must be simulated time like 90s, 45m, 8h or 2d (a bare number is seconds); got "${flags.duration}".`,
      );
    }
  }
  let seed = Math.floor(Math.random() * 2 ** 32);
  if (flags.seed !== undefined) seed = wholeNumber("--seed", flags.seed, 0, 2 ** 32 - 1, errors) ?? 0;
  let startMs = now();
  if (flags.start !== undefined) {
    const parsed = parseStart(flags.start, now());
    if (parsed === undefined) {
      errors.push(
        `--start must be an ISO 8601 date-time like 2026-11-24T06:00:00 or a time today like 06:00; got "${flags.start}".`,
      );
    } else startMs = parsed;
  }
  let profile: DemandProfile | undefined;
  const loaded = loadProfile(flags.profile ?? "office", "--profile");
  if (typeof loaded === "string") errors.push(loaded);
  else profile = loaded;
  const faults = parseFaults(flags.faults ?? "none", "--faults");
  if (typeof faults === "string") errors.push(faults);
  const firmware =
    flags.firmware === undefined ? 0 : (wholeNumber("--firmware", flags.firmware, 0, MAX_SPOTS, errors) ?? 0);
  if (firmware > 0) {
    if (spotCount > 0 && firmware > spotCount)
      errors.push(`--firmware ${firmware} is more than the lot's ${spotCount} spots.`);
    if (transport !== "mqtt")
      errors.push("--firmware needs --transport mqtt: the firmware nodes connect to the broker.");
    else if (!/^(mqtt|tcp):\/\//.test(mqttUrl)) {
      errors.push(
        `--firmware needs an mqtt:// --mqtt-url: the firmware has no TLS or WebSocket; got "${mqttUrl}".`,
      );
    }
  }
  if (flags.truth !== undefined && flags.truth.trim() === "") errors.push("--truth needs a file path.");

  if (errors.length > 0 || profile === undefined || typeof faults === "string")
    return { config: undefined, errors };
  return {
    errors,
    config: {
      zones,
      spots: spotCount,
      topicRoot,
      transport: transport as "mqtt" | "serial",
      mqttUrl,
      serialDevice: flags.serialDevice,
      connections,
      speed,
      seed,
      startMs,
      durationMs,
      profile,
      faults,
      firmware,
      truth: flags.truth,
    },
  };
}

function wholeNumber(
  flag: string,
  text: string,
  min: number,
  max: number,
  errors: string[],
): number | undefined {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
    errors.push(`${flag} must be a whole number from ${min} to ${max}; got "${text}".`);
    return undefined;
  }
  return value;
}

function isBrokerUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return ["mqtt:", "mqtts:", "ws:", "wss:", "tcp:"].includes(url.protocol) && url.hostname !== "";
  } catch {
    return false;
  }
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "45m", "8h", "2d", "1h30m" or plain seconds, as simulated ms; undefined when unreadable or not positive. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const seconds = Number(trimmed);
    return seconds > 0 ? seconds * 1000 : undefined;
  }
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== trimmed) return undefined;
  let ms = 0;
  for (const [, amount, unit] of parts) ms += Number(amount) * (UNIT_MS[unit ?? "s"] ?? 0);
  return ms > 0 ? ms : undefined;
}

/** An ISO 8601 date-time, or "HH:MM[:SS]" meaning that local time today. */
export function parseStart(text: string, nowMs: number): number | undefined {
  const clock = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (clock !== null) {
    const [h, m, s] = [Number(clock[1]), Number(clock[2]), Number(clock[3] ?? 0)];
    if (h > 23 || m > 59 || s > 59) return undefined;
    const day = new Date(nowMs);
    return new Date(day.getFullYear(), day.getMonth(), day.getDate(), h, m, s).getTime();
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(text.trim())) return undefined;
  const ms = Date.parse(text.trim());
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}
