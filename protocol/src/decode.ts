import { quote, reject } from "./rejection.js";
import { readReport } from "./report.js";
import { parseTopic } from "./topics.js";
import type { DecodeResult } from "./types.js";
import { decodeUtf8, utf8ByteLength } from "./utf8.js";

/** Largest accepted payload, in bytes (README.md, "MQTT topics (contract v1)"). */
export const MAX_PAYLOAD_BYTES = 512;

function byteLength(payload: string | Uint8Array): number {
  if (typeof payload === "string") return utf8ByteLength(payload);
  return payload instanceof Uint8Array ? payload.length : 0;
}

/** The payload as text, or undefined when it is neither a string nor valid UTF-8 bytes. */
function payloadText(payload: string | Uint8Array): string | undefined {
  if (typeof payload === "string") return payload;
  return payload instanceof Uint8Array ? decodeUtf8(payload) : undefined;
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/**
 * The single entry for every inbound message, whether it came over MQTT, serial or from the
 * simulator: checks the topic, then the payload, and says what the message means or why it
 * was refused. Never throws, whatever it is given.
 */
export function decode(root: string, topic: string, payload: string | Uint8Array): DecodeResult {
  const parsed = parseTopic(root, topic);
  if (parsed.kind !== "report" && parsed.kind !== "availability") return parsed;
  const bytes = byteLength(payload);
  // An empty retained publish is how MQTT deletes a retained message (a retired spot, an
  // installer cleaning up): subscribers see it once, and it says nothing about the spot.
  if (payload === "" || (payload instanceof Uint8Array && payload.length === 0)) return { kind: "ignored" };
  if (bytes > MAX_PAYLOAD_BYTES) {
    return reject("oversize", `payload is ${bytes} bytes, more than ${MAX_PAYLOAD_BYTES}`);
  }
  const text = payloadText(payload);

  if (parsed.kind === "availability") {
    const word = text === undefined ? undefined : text.trim();
    if (word === "online" || word === "offline") {
      return { kind: "availability", zone: parsed.zone, spot: parsed.spot, online: word === "online" };
    }
    return reject(
      "invalid_availability",
      `availability must be "online" or "offline", got ${text === undefined ? "bytes that are not UTF-8 text" : quote(text)}`,
    );
  }

  if (text === undefined) return reject("not_json", "payload is not UTF-8 text, so not JSON");
  const json = parseJson(text);
  if (json === undefined) return reject("not_json", `payload is not valid JSON: ${quote(text)}`);
  const body = json.value;
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    const got = body === null ? "null" : Array.isArray(body) ? "an array" : `a ${typeof body}`;
    return reject("not_object", `payload must be a JSON object, got ${got}`);
  }
  const report = readReport(body as Record<string, unknown>, parsed.zone);
  if ("kind" in report) return report;
  return { kind: "report", zone: parsed.zone, spot: parsed.spot, report };
}
