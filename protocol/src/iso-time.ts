/** Latest instant a JS Date can hold, in epoch ms. */
export const MAX_EPOCH_MS = 8.64e15;

/** The decimal value of `count` digits at `at`, or -1 if any of them is not a digit. */
function digitsAt(s: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const d = s.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    value = value * 10 + d;
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (month 1-12), by Howard Hinnant's
 * days_from_civil: Espruino has no `Date.UTC`.
 */
function daysSinceEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** Offset east of UTC in minutes for the designator at `at` to the end; undefined if malformed. */
function zoneOffsetMinutes(s: string, at: number): number | undefined {
  const sign = s.charAt(at);
  if (sign === "Z" || sign === "z") return at + 1 === s.length ? 0 : undefined;
  if (sign !== "+" && sign !== "-") return undefined;
  const hours = digitsAt(s, at + 1, 2);
  let minutes = 0;
  const rest = s.length - (at + 3);
  if (rest === 3 && s.charAt(at + 3) === ":") minutes = digitsAt(s, at + 4, 2);
  else if (rest === 2) minutes = digitsAt(s, at + 3, 2);
  else if (rest !== 0) return undefined;
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return undefined;
  return (sign === "-" ? -1 : 1) * (hours * 60 + minutes);
}

/**
 * Parses an ISO 8601 / RFC 3339 date-time, `YYYY-MM-DDThh:mm[:ss[.fff…]][Z|±hh[:mm]]`, into
 * epoch ms. Without a zone designator it is local time, as `Date.parse` reads it. Fractions
 * of any length are truncated to milliseconds (Python's `isoformat()` writes microseconds).
 * Hand-written because `Date.parse` also accepts non-ISO forms and Espruino's is narrower.
 * Years before 1970 are refused: no report predates the epoch, and `new Date(y, …)` would
 * read years 0–99 as 1900–1999.
 */
export function parseIsoDateTime(s: string): number | undefined {
  if (s.length < 16 || s.length > 40) return undefined;
  const year = digitsAt(s, 0, 4);
  const month = digitsAt(s, 5, 2);
  const day = digitsAt(s, 8, 2);
  const hour = digitsAt(s, 11, 2);
  const minute = digitsAt(s, 14, 2);
  const separator = s.charAt(10);
  if (s.charAt(4) !== "-" || s.charAt(7) !== "-" || s.charAt(13) !== ":") return undefined;
  if (separator !== "T" && separator !== "t" && separator !== " ") return undefined;
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return undefined;
  let second = 0;
  let ms = 0;
  let i = 16;
  if (s.charAt(i) === ":") {
    second = digitsAt(s, i + 1, 2);
    if (second < 0 || second > 59) return undefined;
    i += 3;
    const mark = s.charAt(i);
    if (mark === "." || mark === ",") {
      i++;
      const start = i;
      while (digitsAt(s, i, 1) >= 0) i++;
      if (i === start) return undefined;
      ms = digitsAt(`${s.slice(start, i)}00`, 0, 3);
    }
  }
  if (i === s.length) return new Date(year, month - 1, day, hour, minute, second, ms).getTime();
  const offset = zoneOffsetMinutes(s, i);
  if (offset === undefined) return undefined;
  const minutes = (daysSinceEpoch(year, month, day) * 24 + hour) * 60 + minute - offset;
  return (minutes * 60 + second) * 1000 + ms;
}
