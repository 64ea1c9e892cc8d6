import type { Rejection, RejectReason } from "./types.js";

const MAX_DETAIL = 200;
const MAX_QUOTED = 40;

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * A short JSON rendering of an untrusted string or parsed JSON value, for a log line: JSON
 * escapes control characters (no log injection) and clipping keeps a hostile payload from
 * making the line huge.
 */
export function quote(value: unknown, max?: number): string {
  const limit = max ?? MAX_QUOTED;
  if (typeof value === "string") return JSON.stringify(clip(value, limit));
  return clip(JSON.stringify(value), limit);
}

export function reject(reason: RejectReason, detail: string): Rejection {
  return { kind: "rejected", reason, detail: clip(detail, MAX_DETAIL) };
}
