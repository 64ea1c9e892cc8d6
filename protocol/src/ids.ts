/** Longest zone, spot or root level id, in characters. */
export const MAX_ID_LENGTH = 32;

/** Zone names the gateway publishes under; no node may use them. */
export const RESERVED_ZONES: readonly string[] = ["summary", "alerts", "gateway"];

function isIdChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) || // 0-9
    (c >= 65 && c <= 90) || // A-Z
    (c >= 97 && c <= 122) || // a-z
    c === 95 || // _
    c === 45 // -
  );
}

/** `[A-Za-z0-9_-]{1,32}`, checked by char code because Espruino regexes lack `{n,m}`. */
export function isValidId(s: unknown): s is string {
  if (typeof s !== "string" || s.length === 0 || s.length > MAX_ID_LENGTH) return false;
  for (let i = 0; i < s.length; i++) {
    if (!isIdChar(s.charCodeAt(i))) return false;
  }
  return true;
}

export function isReservedZone(zone: string): boolean {
  return RESERVED_ZONES.indexOf(zone) >= 0;
}
