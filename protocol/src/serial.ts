import { decode } from "./decode.js";
import { isValidId } from "./ids.js";
import { quote, reject } from "./rejection.js";
import { reportTopic } from "./topics.js";
import type { DecodeResult } from "./types.js";

/**
 * Serial fallback: a node prints one spot report per line with `zone` and `spot` added.
 * The line is read as the report it would have published on its MQTT topic, so it takes the
 * same decode path and the same rules (`spot` is an unknown field there, and ignored).
 */
export function decodeSerialLine(root: string, line: string): DecodeResult {
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
  if (zone === undefined || spot === undefined)
    return reject("missing_field", "a serial report needs zone and spot");
  if (!isValidId(zone) || !isValidId(spot)) {
    return reject("invalid_field", `serial zone and spot must be ids, got ${quote(zone)} and ${quote(spot)}`);
  }
  return decode(root, reportTopic(root, zone, spot), line);
}
