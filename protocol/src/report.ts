import { MAX_EPOCH_MS, parseIsoDateTime } from "./iso-time.js";
import { quote, reject } from "./rejection.js";
import type { Rejection, SpotReport } from "./types.js";

const MAX_SAFE_INTEGER = 9007199254740991;
const MAX_FW_LENGTH = 32;

/** Number.isFinite is missing on Espruino; NaN and ±Infinity are the only numbers with x - x ≠ 0. */
function isFiniteNumber(v: unknown): v is number {
  return typeof v === "number" && v - v === 0;
}

function inRange(v: unknown, min: number, max: number): v is number {
  return isFiniteNumber(v) && v >= min && v <= max;
}

function invalid(field: string, rule: string, value: unknown): Rejection {
  return reject("invalid_field", `${field} must be ${rule}, got ${quote(value)}`);
}

interface NumericField {
  name: string;
  key: "distanceCm" | "rssi" | "batteryV" | "uptimeS";
  min: number;
  max: number;
  rule: string;
}

const NUMERIC_FIELDS: NumericField[] = [
  // 100 m is far beyond any ultrasonic sensor; a larger value is a unit or parsing error.
  { name: "distance_cm", key: "distanceCm", min: 0, max: 10000, rule: "a number between 0 and 10000" },
  { name: "rssi", key: "rssi", min: -150, max: 0, rule: "a number between -150 and 0" },
  { name: "battery_v", key: "batteryV", min: 0, max: 100, rule: "a number between 0 and 100" },
  { name: "uptime_s", key: "uptimeS", min: 0, max: Infinity, rule: "a non-negative number" },
];

/** `ts` may be epoch ms or ISO 8601; the original system's `timestamp` is ISO only. */
function readTime(field: string, value: unknown, allowNumber: boolean): number | Rejection {
  const ms = typeof value === "string" ? parseIsoDateTime(value) : allowNumber ? value : undefined;
  if (inRange(ms, 0, MAX_EPOCH_MS) && ms > 0) return ms;
  return invalid(
    field,
    allowNumber ? "epoch milliseconds or an ISO 8601 date-time" : "an ISO 8601 date-time",
    value,
  );
}

/**
 * Checks a parsed report body against the contract. `zone` is the topic's zone, which the
 * original system's `zone` field must repeat. Unknown fields, and `sensor_id`, are ignored.
 */
export function readReport(body: Record<string, unknown>, zone: string): SpotReport | Rejection {
  if (body.zone !== undefined) {
    if (typeof body.zone !== "string") return invalid("zone", "a string", body.zone);
    if (body.zone !== zone) {
      return reject(
        "zone_mismatch",
        `zone ${quote(body.zone)} in the payload differs from ${quote(zone)} in the topic`,
      );
    }
  }
  const status = body.status;
  if (status === undefined) return reject("missing_field", "status is required");
  if (status !== "free" && status !== "occupied" && status !== "unknown") {
    return invalid("status", "free, occupied or unknown", status);
  }
  const confidence = body.confidence;
  if (confidence === undefined) return reject("missing_field", "confidence is required");
  if (!inRange(confidence, 0, 1)) return invalid("confidence", "a number between 0 and 1", confidence);
  const report: SpotReport = { status, confidence };

  for (const field of NUMERIC_FIELDS) {
    const value = body[field.name];
    if (value === undefined) continue;
    if (!inRange(value, field.min, field.max)) return invalid(field.name, field.rule, value);
    report[field.key] = value;
  }
  // `ts` wins: when a node sends it, the legacy `timestamp` is not read at all.
  const ts =
    body.ts !== undefined
      ? readTime("ts", body.ts, true)
      : body.timestamp !== undefined
        ? readTime("timestamp", body.timestamp, false)
        : undefined;
  if (typeof ts === "object") return ts;
  if (ts !== undefined) report.ts = ts;
  if (body.seq !== undefined) {
    const seq = body.seq;
    if (!inRange(seq, 0, MAX_SAFE_INTEGER) || Math.floor(seq) !== seq) {
      return invalid("seq", "a non-negative integer", seq);
    }
    report.seq = seq;
  }
  const reason = body.reason;
  if (reason !== undefined) {
    if (reason !== "boot" && reason !== "change" && reason !== "heartbeat") {
      return invalid("reason", "boot, change or heartbeat", reason);
    }
    report.reason = reason;
  }
  const fw = body.fw;
  if (fw !== undefined) {
    if (typeof fw !== "string" || fw.length > MAX_FW_LENGTH) {
      return invalid("fw", `a string of at most ${MAX_FW_LENGTH} characters`, fw);
    }
    report.fw = fw;
  }
  return report;
}
