import { decode, MAX_PAYLOAD_BYTES } from "./decode.js";
import { isValidId } from "./ids.js";
import { quote, reject } from "./rejection.js";
import { reportTopic } from "./topics.js";
import type { DecodeResult } from "./types.js";
import { utf8ByteLength } from "./utf8.js";

/**
 * Serial fallback: a node prints one spot report per line with `zone` and `spot` added.
 * The line is read as the report it would have published on its MQTT topic, so it takes the
 * same decode path and the same rules.
 */
export function decodeSerialLine(root: string, line: string): DecodeResult {
  // The line carries `spot` too, so it may be a little longer than an MQTT payload.
  if (utf8ByteLength(line) > MAX_PAYLOAD_BYTES + 64) {
    return reject("oversize", `serial line is longer than ${MAX_PAYLOAD_BYTES + 64} bytes`);
  }
  let body: unknown;
  try {
    body = JSON.parse(line);
  } catch {
    return reject("not_json", `serial line is not valid JSON: ${quote(line)}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return reject("not_object", "serial line must be a JSON object");
  }
  const zone = (body as Record<string, unknown>).zone;
  const spot = (body as Record<string, unknown>).spot;
  if (zone === undefined || spot === undefined) {
    return reject("missing_field", "a serial report needs zone and spot");
  }
  if (!isValidId(zone) || !isValidId(spot)) {
    return reject("invalid_field", `serial zone and spot must be ids, got ${quote(zone)} and ${quote(spot)}`);
  }
  const withoutSpot: Record<string, unknown> = {};
  const keys = Object.keys(body as Record<string, unknown>);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (key !== "spot") withoutSpot[key] = (body as Record<string, unknown>)[key];
  }
  return decode(root, reportTopic(root, zone, spot), JSON.stringify(withoutSpot));
}
