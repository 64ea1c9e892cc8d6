import { API_CSP, BASE_SECURITY_HEADERS } from "../http/securityHeaders.js";

/** A comment line: clients ignore it, proxies see traffic and keep the connection open. */
export const SSE_KEEPALIVE = ": keep-alive\n\n";

/**
 * Response headers for an event stream; proxies must neither cache nor buffer it. The route
 * hijacks its reply, so the security headers every other answer gets from a hook are here too.
 */
export const SSE_HEADERS = {
  ...BASE_SECURITY_HEADERS,
  "content-security-policy": API_CSP,
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  "x-accel-buffering": "no",
} as const;

const LINE_BREAK = /[\r\n]/;

function checkField(name: string, value: string): void {
  // A line break would end the field early and let the rest pose as other fields or events.
  if (LINE_BREAK.test(value)) throw new TypeError(`SSE ${name} must not contain a line break.`);
}

/**
 * One Server-Sent Events message: `event:`, `data:` (JSON), optional `id:`, blank line.
 * JSON.stringify escapes CR and LF inside strings, so the data is always one `data:` line
 * and a client's JSON.parse of `event.data` gives `data` back.
 */
export function formatSseEvent(event: string, data: unknown, id?: string): string {
  checkField("event", event);
  // JSON.stringify returns undefined (despite its type) for undefined and functions.
  const json = JSON.stringify(data) ?? "null";
  if (id === undefined) return `event: ${event}\ndata: ${json}\n\n`;
  checkField("id", id);
  return `event: ${event}\ndata: ${json}\nid: ${id}\n\n`;
}
