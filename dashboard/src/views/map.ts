import type { Locale } from "../locale.js";
import { compareIds, type Filter, inFilter, spotKey, WHOLE_LOT } from "../lot.js";
import type { SpotView } from "../types.js";
import { element, setText } from "./dom.js";

interface ZoneBlock {
  section: HTMLElement;
  grid: HTMLElement;
  /** Spot ids in display order, to insert a newcomer in its place. */
  ids: string[];
}

const NAV_KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End"]);

/**
 * The spots, grouped by zone: one button per spot, found by key and changed in place. The map
 * is one tab stop (a roving tabindex); arrow keys move between spots. One shared tooltip shows a
 * spot's details on hover, tap or focus, through listeners on the map, never one per spot.
 */
export class MapView {
  private readonly zones = new Map<string, ZoneBlock>();
  private readonly buttons = new Map<string, HTMLButtonElement>();
  private filter: Filter = WHOLE_LOT;
  /** The spot that holds tabindex 0. */
  private current: HTMLButtonElement | null = null;
  private tipKey: string | null = null;
  private readonly tipTitle: HTMLElement;
  private readonly tipRows: HTMLElement[];

  constructor(
    private readonly root: HTMLElement,
    private readonly tip: HTMLElement,
    private readonly lookup: (key: string) => SpotView | undefined,
    private locale: Locale,
  ) {
    this.tipTitle = element("strong");
    this.tipRows = [element("span"), element("span"), element("span")];
    tip.replaceChildren(this.tipTitle, ...this.tipRows);
    root.addEventListener("pointerover", (e) => this.showTipFor(e.target));
    root.addEventListener("click", (e) => this.showTipFor(e.target));
    // A finger "leaves" as it lifts, so a tapped tip stays until the next tap elsewhere.
    root.addEventListener("pointerleave", (e) => {
      if (e.pointerType === "mouse" && !root.contains(document.activeElement)) this.hideTip();
    });
    document.addEventListener("pointerdown", (e) => {
      if (!root.contains(e.target as Node | null)) this.hideTip();
    });
    root.addEventListener("focusin", (e) => {
      const spot = spotOf(e.target);
      if (spot) this.makeCurrent(spot);
      this.showTipFor(e.target);
    });
    root.addEventListener("focusout", (e) => {
      if (!root.contains(e.relatedTarget as Node | null)) this.hideTip();
    });
    root.addEventListener("keydown", (e) => this.onKey(e));
  }

  setLocale(locale: Locale): void {
    this.locale = locale;
    for (const [key, button] of this.buttons) {
      const spot = this.lookup(key);
      if (spot) button.setAttribute("aria-label", this.label(spot));
    }
    this.refreshTip();
  }

  /** Brings the map to exactly these spots: adds, changes and removes only what differs. */
  sync(spots: Iterable<SpotView>): void {
    const seen = new Set<string>();
    const fresh: SpotView[] = [];
    for (const spot of spots) {
      const key = spotKey(spot.zone, spot.spot);
      seen.add(key);
      if (this.buttons.has(key)) this.update(key);
      else fresh.push(spot);
    }
    this.addAll(fresh);
    for (const key of [...this.buttons.keys()]) if (!seen.has(key)) this.remove(key);
    this.ensureCurrent();
  }

  /** Shows the latest state of these spots (keys of the lookup), adding any the map lacks. */
  updateAll(keys: Iterable<string>): void {
    const fresh: SpotView[] = [];
    for (const key of keys) {
      if (this.buttons.has(key)) this.update(key);
      else {
        const spot = this.lookup(key);
        if (spot) fresh.push(spot);
      }
    }
    if (fresh.length > 0) {
      this.addAll(fresh);
      this.ensureCurrent();
    }
  }

  setFilter(filter: Filter): void {
    this.filter = filter;
    for (const [zone, block] of this.zones) block.section.hidden = !inFilter(filter, zone);
    this.hideTip();
    this.ensureCurrent();
  }

  private update(key: string): void {
    const button = this.buttons.get(key);
    const spot = this.lookup(key);
    if (!button || !spot) return;
    if (button.dataset.state !== spot.state) {
      button.dataset.state = spot.state;
      button.setAttribute("aria-label", this.label(spot));
    }
    if (this.tipKey === key) this.refreshTip();
  }

  /** New spots go in with one fragment per zone, in natural order. */
  private addAll(spots: SpotView[]): void {
    if (spots.length === 0) return;
    spots.sort((a, b) => compareIds(a.zone, b.zone) || compareIds(a.spot, b.spot));
    let i = 0;
    while (i < spots.length) {
      const zone = (spots[i] as SpotView).zone;
      const block = this.zone(zone);
      const fragment = document.createDocumentFragment();
      const appendable = block.ids.length === 0;
      for (; i < spots.length && (spots[i] as SpotView).zone === zone; i++) {
        const spot = spots[i] as SpotView;
        const button = this.button(spot);
        this.buttons.set(spotKey(zone, spot.spot), button);
        if (appendable) {
          block.ids.push(spot.spot);
          fragment.append(button);
        } else {
          const at = insertionIndex(block.ids, spot.spot);
          const before = block.ids[at];
          block.ids.splice(at, 0, spot.spot);
          block.grid.insertBefore(button, before === undefined ? null : this.buttonOf(zone, before));
        }
      }
      if (appendable) block.grid.append(fragment);
    }
  }

  private remove(key: string): void {
    const button = this.buttons.get(key);
    if (!button) return;
    const zone = button.dataset.zone as string;
    const block = this.zones.get(zone);
    if (block) {
      block.ids.splice(block.ids.indexOf(button.dataset.spot as string), 1);
      if (block.ids.length === 0) {
        block.section.remove();
        this.zones.delete(zone);
      }
    }
    button.remove();
    this.buttons.delete(key);
    if (this.current === button) this.current = null;
    if (this.tipKey === key) this.hideTip();
  }

  private zone(zone: string): ZoneBlock {
    const known = this.zones.get(zone);
    if (known) return known;
    const section = element("section", "zone");
    section.dataset.zone = zone;
    section.hidden = !inFilter(this.filter, zone);
    const heading = element("h3", undefined, zone);
    heading.id = `map-zone-${zone}`;
    const grid = element("div", "spots");
    grid.setAttribute("role", "group");
    grid.setAttribute("aria-labelledby", heading.id);
    section.append(heading, grid);
    const block: ZoneBlock = { section, grid, ids: [] };
    const names = [...this.zones.keys(), zone].sort(compareIds);
    const next = names[names.indexOf(zone) + 1];
    this.root.insertBefore(section, next === undefined ? null : (this.zones.get(next)?.section ?? null));
    this.zones.set(zone, block);
    return block;
  }

  private button(spot: SpotView): HTMLButtonElement {
    const button = element("button", "spot");
    button.type = "button";
    button.tabIndex = -1;
    button.dataset.testid = "spot";
    button.dataset.zone = spot.zone;
    button.dataset.spot = spot.spot;
    button.dataset.state = spot.state;
    button.setAttribute("aria-label", this.label(spot));
    return button;
  }

  private buttonOf(zone: string, spot: string): HTMLButtonElement | null {
    return this.buttons.get(spotKey(zone, spot)) ?? null;
  }

  private label(spot: SpotView): string {
    const { t } = this.locale;
    return t("map.spot", { zone: spot.zone, spot: spot.spot, state: t(`state.${spot.state}`) });
  }

  /** Keeps exactly one visible spot in the tab order. */
  private ensureCurrent(): void {
    if (this.current?.isConnected && !this.current.closest("[hidden]")) return;
    const first = this.root.querySelector<HTMLButtonElement>(".zone:not([hidden]) .spot");
    if (first) this.makeCurrent(first);
  }

  private makeCurrent(button: HTMLButtonElement): void {
    if (this.current === button) return;
    if (this.current) this.current.tabIndex = -1;
    button.tabIndex = 0;
    this.current = button;
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key === "Escape") {
      this.hideTip();
      return;
    }
    const from = spotOf(e.target);
    if (!from || !NAV_KEYS.has(e.key)) return;
    const to = this.neighbour(from, e.key);
    e.preventDefault();
    if (to) to.focus();
  }

  private neighbour(from: HTMLButtonElement, key: string): HTMLButtonElement | null {
    const grid = from.parentElement as HTMLElement;
    const inGrid = [...grid.children] as HTMLButtonElement[];
    const at = inGrid.indexOf(from);
    if (key === "Home") return inGrid[0] ?? null;
    if (key === "End") return inGrid[inGrid.length - 1] ?? null;
    if (key === "ArrowUp" || key === "ArrowDown") {
      const columns = getComputedStyle(grid).gridTemplateColumns.split(" ").length;
      return inGrid[at + (key === "ArrowDown" ? columns : -columns)] ?? null;
    }
    // Left and right run on across zones, in reading order.
    const visible = [...this.root.querySelectorAll<HTMLButtonElement>(".zone:not([hidden]) .spot")];
    return visible[visible.indexOf(from) + (key === "ArrowRight" ? 1 : -1)] ?? null;
  }

  private showTipFor(target: EventTarget | null): void {
    const button = spotOf(target);
    if (!button) return;
    this.tipKey = spotKey(button.dataset.zone as string, button.dataset.spot as string);
    button.setAttribute("aria-describedby", this.tip.id);
    this.refreshTip();
    this.tip.hidden = false;
    this.place(button);
  }

  private hideTip(): void {
    if (this.tipKey === null) return;
    this.buttons.get(this.tipKey)?.removeAttribute("aria-describedby");
    this.tipKey = null;
    this.tip.hidden = true;
  }

  private refreshTip(): void {
    if (this.tipKey === null) return;
    const spot = this.lookup(this.tipKey);
    if (!spot) return;
    const { t, f } = this.locale;
    const none = t("tip.none");
    const changed = spot.last_change === null ? Number.NaN : Date.parse(spot.last_change);
    this.tip.dataset.state = spot.state;
    setText(this.tipTitle, this.label(spot));
    const [confidence, distance, change] = this.tipRows as [HTMLElement, HTMLElement, HTMLElement];
    setText(confidence, `${t("tip.confidence")}: ${f.share(spot.confidence)}`);
    setText(
      distance,
      `${t("tip.distance")}: ${spot.distance_cm === null ? none : f.distance(spot.distance_cm)}`,
    );
    setText(change, `${t("tip.lastChange")}: ${Number.isFinite(changed) ? f.dateTime(changed) : none}`);
  }

  /** Above the spot, or below it near the top; kept inside the map's width. */
  private place(button: HTMLElement): void {
    const box = this.root.getBoundingClientRect();
    const spot = button.getBoundingClientRect();
    const tip = this.tip.getBoundingClientRect();
    const centre = spot.left - box.left + spot.width / 2;
    const left = Math.min(Math.max(0, centre - tip.width / 2), Math.max(0, box.width - tip.width));
    const above = spot.top - tip.height - 6;
    const top = above >= 0 ? spot.top - box.top - tip.height - 6 : spot.bottom - box.top + 6;
    this.tip.style.transform = `translate(${Math.round(left)}px, ${Math.round(top)}px)`;
  }
}

function spotOf(target: EventTarget | null): HTMLButtonElement | null {
  return target instanceof HTMLButtonElement && target.classList.contains("spot") ? target : null;
}

/** Where `id` goes in ids sorted naturally: binary search. */
function insertionIndex(ids: readonly string[], id: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareIds(ids[mid] as string, id) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
