import type { Locale } from "../locale.js";
import { compareIds, displayLevel, type Filter, inFilter, WHOLE_LOT } from "../lot.js";
import type { Counts } from "../types.js";
import { element, setText } from "./dom.js";

interface ZoneRow {
  row: HTMLLIElement;
  free: HTMLElement;
  occupied: HTMLElement;
  offline: HTMLElement;
  detail: HTMLElement;
}

/**
 * Free, occupied and offline per zone as stacked horizontal bars in plain DOM and CSS rather
 * than uPlot bars: a zone name is a category, not a time, each row carries its numbers as
 * readable text, and a few spans per zone cost nothing to update in place.
 */
export class ZonesView {
  private readonly rows = new Map<string, ZoneRow>();
  private filter: Filter = WHOLE_LOT;
  private last: Map<string, Counts> | null = null;

  constructor(
    private readonly list: HTMLElement,
    private locale: Locale,
  ) {}

  setLocale(locale: Locale): void {
    this.locale = locale;
    if (this.last) this.render(this.last);
  }

  setFilter(filter: Filter): void {
    this.filter = filter;
    for (const [zone, r] of this.rows) r.row.hidden = !inFilter(filter, zone);
  }

  render(zones: Map<string, Counts>): void {
    this.last = zones;
    const { t, f } = this.locale;
    for (const [zone, c] of zones) {
      const r = this.rows.get(zone) ?? this.add(zone);
      const whole = Math.max(1, c.total);
      r.free.style.width = `${(100 * c.free) / whole}%`;
      r.occupied.style.width = `${(100 * c.occupied) / whole}%`;
      r.offline.style.width = `${(100 * c.offline) / whole}%`;
      r.row.dataset.level = displayLevel(c.level);
      setText(
        r.detail,
        t("zones.detail", {
          free: f.count(c.free),
          occupied: f.count(c.occupied),
          offline: f.count(c.offline),
        }),
      );
    }
  }

  private add(zone: string): ZoneRow {
    const row = element("li");
    row.dataset.zone = zone;
    row.hidden = !inFilter(this.filter, zone);
    const bar = element("span", "bar");
    bar.setAttribute("aria-hidden", "true");
    const free = element("span", "seg free");
    const occupied = element("span", "seg occupied");
    const offline = element("span", "seg offline");
    bar.append(occupied, free, offline);
    const detail = element("span", "zone-detail");
    row.append(element("span", "zone-name", zone), bar, detail);
    const r: ZoneRow = { row, free, occupied, offline, detail };
    const names = [...this.rows.keys(), zone].sort(compareIds);
    const next = names[names.indexOf(zone) + 1];
    this.list.insertBefore(row, next === undefined ? null : (this.rows.get(next)?.row ?? null));
    this.rows.set(zone, r);
    return r;
  }
}
