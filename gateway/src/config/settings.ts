import { DEFAULT_TOPIC_ROOT, isValidTopicRoot } from "../../../protocol/src/topics.js";

/** Every gateway setting, resolved: flags over environment over defaults. */
export interface GatewaySettings {
  mqttUrl: string | null;
  mqttPort: number;
  mqttWsPort: number;
  /** False when the embedded broker ports are the defaults: then a taken port falls back to a free one. */
  mqttPortsExplicit: boolean;
  mqttClientId: string;
  /** CA certificate (PEM file) that signs the broker's TLS certificate, for mqtts:// and wss://. */
  mqttCa: string | null;
  httpPort: number;
  host: string;
  db: string;
  topicRoot: string;
  /** Central gateway: read every site's `site/<id>/<topic-root>/...`, bridged from the sites' brokers. */
  siteTopics: boolean;
  serial: string[];
  simulate: boolean;
  apiToken: string | null;
  /** API requests per minute from one client address; 0 turns the limit off. */
  rateLimit: number;
  offlineAfterS: number;
  sampleIntervalS: number;
  retentionDays: number;
  alertHigh: number;
  alertCritical: number;
  alertHysteresis: number;
  /** Publish Home Assistant MQTT discovery for every spot and the lot's counts. */
  haDiscovery: boolean;
  haPrefix: string;
  logLevel: string;
}

type Kind = "string" | "port" | "number" | "boolean" | "list";

export interface SettingSpec {
  key: keyof GatewaySettings;
  flag: string;
  env: string;
  kind: Kind;
  default: string | number | boolean | null | string[];
  /** The README's wording of the default, when the value alone says too little. */
  defaultText?: string;
  description: string;
  min?: number;
  max?: number;
}

/** The gateway's settings (README.md, "Settings"), each a flag, an environment variable and a default. */
export const SETTINGS: readonly SettingSpec[] = [
  {
    key: "mqttUrl",
    flag: "--mqtt-url",
    env: "PARKING_MQTT_URL",
    kind: "string",
    default: null,
    defaultText: "unset: start the embedded broker",
    description: "Broker to use (mqtt://, mqtts://, ws://, wss://; user:password@ allowed).",
  },
  {
    key: "mqttPort",
    flag: "--mqtt-port",
    env: "PARKING_MQTT_PORT",
    kind: "port",
    default: 1883,
    description: "Embedded broker TCP port (0 picks a free one).",
  },
  {
    key: "mqttWsPort",
    flag: "--mqtt-ws-port",
    env: "PARKING_MQTT_WS_PORT",
    kind: "port",
    default: 9001,
    description: "Embedded broker WebSocket port (0 picks a free one).",
  },
  {
    key: "mqttClientId",
    flag: "--mqtt-client-id",
    env: "PARKING_MQTT_CLIENT_ID",
    kind: "string",
    default: "parking-gateway",
    description: "Client id of the gateway's persistent MQTT session; unique per gateway on a broker.",
  },
  {
    key: "mqttCa",
    flag: "--mqtt-ca",
    env: "PARKING_MQTT_CA",
    kind: "string",
    default: null,
    defaultText: "the system's CAs",
    description:
      "PEM file of the CA that signed the broker's certificate, for mqtts:// and wss:// (a private CA).",
  },
  {
    key: "httpPort",
    flag: "--http-port",
    env: "PARKING_HTTP_PORT",
    kind: "port",
    default: 8080,
    description: "HTTP port of the API and dashboard (0 picks a free one).",
  },
  {
    key: "host",
    flag: "--host",
    env: "PARKING_HOST",
    kind: "string",
    default: "0.0.0.0",
    description: "Address the HTTP server and embedded broker listen on.",
  },
  {
    key: "db",
    flag: "--db",
    env: "PARKING_DB",
    kind: "string",
    default: "./data/parking.db",
    description:
      "SQLite file, created with its folder, or a postgres:// URL of an existing PostgreSQL database.",
  },
  {
    key: "topicRoot",
    flag: "--topic-root",
    env: "PARKING_TOPIC_ROOT",
    kind: "string",
    default: DEFAULT_TOPIC_ROOT,
    description: "Root of every MQTT topic.",
  },
  {
    key: "siteTopics",
    flag: "--site-topics",
    env: "PARKING_SITE_TOPICS",
    kind: "boolean",
    default: false,
    defaultText: "off",
    description:
      "Central gateway: ingest every site bridged under `site/<site-id>/<topic-root>/`; zones become `<site-id>/<zone>`.",
  },
  {
    key: "serial",
    flag: "--serial",
    env: "PARKING_SERIAL",
    kind: "list",
    default: [],
    defaultText: "none",
    description: "Comma-separated serial devices of nodes on USB (JSON lines at 115200 baud).",
  },
  {
    key: "simulate",
    flag: "--simulate",
    env: "PARKING_SIMULATE",
    kind: "boolean",
    default: false,
    defaultText: "off for `parking gateway`, on for `npm start`",
    description: "Run the built-in simulated lot (Zone_A 8, Zone_B 6, Zone_C 10 spots).",
  },
  {
    key: "apiToken",
    flag: "--api-token",
    env: "PARKING_API_TOKEN",
    kind: "string",
    default: null,
    defaultText: "none: write endpoints refuse",
    description: "Bearer token the write endpoints require (`Authorization: Bearer <token>`).",
  },
  {
    key: "rateLimit",
    flag: "--rate-limit",
    env: "PARKING_RATE_LIMIT",
    kind: "number",
    default: 1200,
    min: 0,
    max: 1_000_000,
    description: "API requests per minute from one client address before 429; 0 turns the limit off.",
  },
  {
    key: "offlineAfterS",
    flag: "--offline-after",
    env: "PARKING_OFFLINE_AFTER",
    kind: "number",
    default: 90,
    min: 5,
    max: 86_400,
    description: "Seconds of silence after which a spot counts as offline (3 heartbeats).",
  },
  {
    key: "sampleIntervalS",
    flag: "--sample-interval",
    env: "PARKING_SAMPLE_INTERVAL",
    kind: "number",
    default: 30,
    min: 1,
    max: 3_600,
    description: "Seconds between stored occupancy samples (charts, hourly statistics).",
  },
  {
    key: "retentionDays",
    flag: "--retention-days",
    env: "PARKING_RETENTION_DAYS",
    kind: "number",
    default: 365,
    min: 1,
    max: 36_500,
    description: "Days of history kept; older events, samples and alerts are deleted hourly.",
  },
  {
    key: "alertHigh",
    flag: "--alert-high",
    env: "PARKING_ALERT_HIGH",
    kind: "number",
    default: 70,
    min: 1,
    max: 100,
    description: "Occupancy percent that raises the `high` alert.",
  },
  {
    key: "alertCritical",
    flag: "--alert-critical",
    env: "PARKING_ALERT_CRITICAL",
    kind: "number",
    default: 85,
    min: 1,
    max: 100,
    description: "Occupancy percent that raises the `critical` alert.",
  },
  {
    key: "alertHysteresis",
    flag: "--alert-hysteresis",
    env: "PARKING_ALERT_HYSTERESIS",
    kind: "number",
    default: 5,
    min: 0,
    max: 50,
    description: "Points below its threshold the rate must fall before a level clears.",
  },
  {
    key: "haDiscovery",
    flag: "--ha-discovery",
    env: "PARKING_HA_DISCOVERY",
    kind: "boolean",
    default: false,
    defaultText: "off",
    description:
      "Publish Home Assistant MQTT discovery: each spot an occupancy binary_sensor, lot and zone free counts as sensors.",
  },
  {
    key: "haPrefix",
    flag: "--ha-prefix",
    env: "PARKING_HA_PREFIX",
    kind: "string",
    default: "homeassistant",
    description: "Home Assistant's discovery prefix.",
  },
  {
    key: "logLevel",
    flag: "--log-level",
    env: "PARKING_LOG_LEVEL",
    kind: "string",
    default: "info",
    description: "fatal, error, warn, info, debug or trace.",
  },
];

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
const TRUE_WORDS = ["1", "true", "yes", "on"];
const FALSE_WORDS = ["0", "false", "no", "off"];

/** Raw values by key, as strings (flags and environment) or already typed (flags like --simulate). */
export type RawSettings = Partial<Record<keyof GatewaySettings, string | boolean | string[] | undefined>>;

/**
 * Turns raw values into settings. Collects every problem before failing, so a person fixes
 * their configuration in one go; each problem names the flag and the environment variable.
 */
export function resolveSettings(
  flags: RawSettings,
  env: Record<string, string | undefined>,
): { settings: GatewaySettings; errors: string[] } {
  const errors: string[] = [];
  const out: Record<string, unknown> = {};
  let explicitPorts = false;
  for (const spec of SETTINGS) {
    const fromFlag = flags[spec.key];
    const fromEnv = env[spec.env];
    const raw =
      fromFlag !== undefined ? fromFlag : fromEnv !== undefined && fromEnv !== "" ? fromEnv : undefined;
    if ((spec.key === "mqttPort" || spec.key === "mqttWsPort") && raw !== undefined) explicitPorts = true;
    if (raw === undefined) {
      out[spec.key] = spec.default;
      continue;
    }
    const parsed = parseValue(spec, raw);
    if (typeof parsed === "object" && parsed !== null && "error" in parsed) {
      errors.push(`${spec.flag} (${spec.env}) ${parsed.error}`);
      out[spec.key] = spec.default;
    } else {
      out[spec.key] = parsed;
    }
  }
  out.mqttPortsExplicit = explicitPorts;
  const settings = out as unknown as GatewaySettings;
  errors.push(...crossCheck(settings));
  return { settings, errors };
}

function parseValue(spec: SettingSpec, raw: string | boolean | string[]): unknown {
  if (spec.kind === "boolean") {
    if (typeof raw === "boolean") return raw;
    const word = String(raw).trim().toLowerCase();
    if (TRUE_WORDS.includes(word)) return true;
    if (FALSE_WORDS.includes(word)) return false;
    return { error: `must be true or false, got "${String(raw)}".` };
  }
  if (spec.kind === "list") {
    const items = Array.isArray(raw) ? raw : String(raw).split(",");
    return items.map((s) => s.trim()).filter((s) => s.length > 0);
  }
  const text = String(raw).trim();
  if (spec.kind === "port") {
    const port = Number(text);
    if (!/^\d+$/.test(text) || port > 65_535)
      return { error: `must be a port number from 0 to 65535, got "${text}".` };
    return port;
  }
  if (spec.kind === "number") {
    const value = Number(text);
    if (text === "" || !Number.isFinite(value)) return { error: `must be a number, got "${text}".` };
    if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
      return { error: `must be between ${spec.min} and ${spec.max}, got ${value}.` };
    }
    return value;
  }
  if (text === "") return { error: "must not be empty." };
  return text;
}

function crossCheck(s: GatewaySettings): string[] {
  const errors: string[] = [];
  if (!isValidTopicRoot(s.topicRoot)) {
    errors.push(
      `--topic-root (PARKING_TOPIC_ROOT) must be one or more levels of letters, digits, _ or - separated by /, got "${s.topicRoot}".`,
    );
  }
  if (!isValidTopicRoot(s.haPrefix)) {
    errors.push(
      `--ha-prefix (PARKING_HA_PREFIX) must be one or more levels of letters, digits, _ or - separated by /, got "${s.haPrefix}".`,
    );
  }
  if (s.mqttUrl !== null && !/^(mqtts?|wss?|tcp|ssl):\/\//.test(s.mqttUrl)) {
    errors.push(
      `--mqtt-url (PARKING_MQTT_URL) must start with mqtt://, mqtts://, ws:// or wss://, got "${redactUrl(s.mqttUrl)}".`,
    );
  }
  if (!LOG_LEVELS.includes(s.logLevel)) {
    errors.push(
      `--log-level (PARKING_LOG_LEVEL) must be one of ${LOG_LEVELS.join(", ")}, got "${s.logLevel}".`,
    );
  }
  if (s.alertHigh >= s.alertCritical) {
    errors.push(
      `--alert-high (${s.alertHigh}) must be below --alert-critical (${s.alertCritical}): set PARKING_ALERT_HIGH lower or PARKING_ALERT_CRITICAL higher.`,
    );
  }
  if (s.alertHysteresis >= s.alertHigh) {
    errors.push(`--alert-hysteresis (${s.alertHysteresis}) must be below --alert-high (${s.alertHigh}).`);
  }
  // A central gateway learns each spot's site from its topic; a serial line carries none.
  if (s.siteTopics && s.serial.length > 0) {
    errors.push(
      "--site-topics (PARKING_SITE_TOPICS) cannot be used with --serial (PARKING_SERIAL): a serial line names no site; read the nodes on USB with that site's own gateway.",
    );
  }
  // Home Assistant object ids cannot hold the `/` of a site-qualified zone.
  if (s.siteTopics && s.haDiscovery) {
    errors.push(
      "--site-topics (PARKING_SITE_TOPICS) cannot be used with --ha-discovery (PARKING_HA_DISCOVERY): announce each site to Home Assistant from that site's own gateway.",
    );
  }
  return errors;
}

/** Hides a password in a broker URL before it reaches a log line. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^/@:]*):[^/@]*@/, "//$1:***@");
}
