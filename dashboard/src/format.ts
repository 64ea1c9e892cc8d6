/** Numbers and dates for one language, through Intl. No DOM here. */
export interface Format {
  count(n: number): string;
  /** A rate in percent, 0–100, as the gateway sends it; whole percents, as a glance needs. */
  percent(rate: number): string;
  /** A share, 0–1 (confidence). */
  share(value: number): string;
  distance(cm: number): string;
  time(ms: number): string;
  dateTime(ms: number): string;
  hour(hour: number): string;
  /** Chart axis labels: a time of day, or a day. */
  clock(ms: number): string;
  day(ms: number): string;
}

/** `lang` is a BCP 47 language tag (en-GB, fr); `timeZone` is for tests, the browser's own by default. */
export function formatFor(lang: string, timeZone?: string): Format {
  const count = new Intl.NumberFormat(lang);
  const percent = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 0 });
  const share = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 0 });
  const distance = new Intl.NumberFormat(lang, {
    style: "unit",
    unit: "centimeter",
    maximumFractionDigits: 0,
  });
  const time = new Intl.DateTimeFormat(lang, { timeStyle: "medium", timeZone });
  const dateTime = new Intl.DateTimeFormat(lang, { dateStyle: "short", timeStyle: "medium", timeZone });
  const hour = new Intl.DateTimeFormat(lang, { hour: "numeric", timeZone: "UTC" });
  const clock = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", timeZone });
  const day = new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", timeZone });
  return {
    count: (n) => count.format(n),
    percent: (rate) => percent.format(rate / 100),
    share: (value) => share.format(value),
    distance: (cm) => distance.format(cm),
    time: (ms) => time.format(ms),
    dateTime: (ms) => dateTime.format(ms),
    // A fixed UTC date only carries the hour of day into the formatter.
    hour: (h) => hour.format(Date.UTC(2000, 0, 1, h)),
    clock: (ms) => clock.format(ms),
    day: (ms) => day.format(ms),
  };
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The value of an `<input type="datetime-local">` for an instant, in the browser's time zone. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Back from a datetime-local value (local time); undefined when empty or malformed. */
export function fromLocalInput(value: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const date = new Date(y as number, (mo as number) - 1, d, h, mi, Number.isNaN(s) ? 0 : s);
  // Date rolls 31 February over into March; such a value was not a date.
  if (date.getMonth() !== (mo as number) - 1 || date.getDate() !== d) return undefined;
  return date.getTime();
}
