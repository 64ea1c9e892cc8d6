import type { ActivityEntry } from "../activity.js";
import type { Locale } from "../locale.js";
import { element } from "./dom.js";

/** The last changes, newest on top: new ones are prepended and the oldest dropped, never a full redraw. */
export class ActivityView {
  private shown: ActivityEntry[] = [];

  constructor(
    private readonly list: HTMLElement,
    private readonly empty: HTMLElement,
    private locale: Locale,
    private readonly capacity: number,
  ) {}

  setLocale(locale: Locale): void {
    this.locale = locale;
    this.reset(this.shown);
  }

  reset(newestFirst: ActivityEntry[]): void {
    this.shown = newestFirst.slice(0, this.capacity);
    this.list.replaceChildren(...this.shown.map((e) => this.item(e)));
    this.empty.hidden = this.shown.length > 0;
  }

  prepend(newestFirst: ActivityEntry[]): void {
    if (newestFirst.length === 0) return;
    const added = newestFirst.slice(0, this.capacity);
    const fragment = document.createDocumentFragment();
    for (const entry of added) fragment.append(this.item(entry));
    this.list.prepend(fragment);
    this.shown = added.concat(this.shown).slice(0, this.capacity);
    while (this.list.childElementCount > this.capacity) this.list.lastElementChild?.remove();
    this.empty.hidden = true;
  }

  private item(entry: ActivityEntry): HTMLLIElement {
    const { t, f } = this.locale;
    const li = element("li");
    li.dataset.zone = entry.zone;
    li.dataset.spot = entry.spot;
    li.dataset.state = entry.state;
    const time = element("time", undefined, f.time(entry.time));
    time.dateTime = new Date(entry.time).toISOString();
    const mark = element("span", "mark");
    mark.setAttribute("aria-hidden", "true");
    const text = t("activity.item", {
      zone: entry.zone,
      spot: entry.spot,
      previous: t(entry.previous === null ? "state.new" : `state.${entry.previous}`),
      state: t(`state.${entry.state}`),
    });
    li.append(time, mark, element("span", undefined, text));
    return li;
  }
}
