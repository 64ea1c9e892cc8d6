import type { Locale } from "../locale.js";
import { displayLevel } from "../lot.js";
import type { Counts } from "../types.js";
import { byTestId, setText } from "./dom.js";

interface Card {
  root: HTMLElement;
  value: HTMLElement;
  detail: HTMLElement | null;
}

/** The four cards: total, free, occupied, rate with its alert level. Each keeps the raw number in data-value. */
export class CardsView {
  private readonly cards: Record<"total" | "free" | "occupied" | "rate", Card>;
  private last: Counts | null = null;

  constructor(private locale: Locale) {
    const card = (id: string): Card => {
      const root = byTestId(`card-${id}`);
      return {
        root,
        value: root.querySelector<HTMLElement>(".value") as HTMLElement,
        detail: root.querySelector<HTMLElement>(".detail"),
      };
    };
    this.cards = { total: card("total"), free: card("free"), occupied: card("occupied"), rate: card("rate") };
  }

  setLocale(locale: Locale): void {
    this.locale = locale;
    if (this.last) this.render(this.last);
  }

  render(c: Counts): void {
    this.last = c;
    const { t, f } = this.locale;
    this.show(this.cards.total, c.total, f.count(c.total));
    this.show(this.cards.free, c.free, f.count(c.free));
    this.show(this.cards.occupied, c.occupied, f.count(c.occupied));
    this.show(this.cards.rate, c.occupancy_rate, f.percent(c.occupancy_rate));
    const total = this.cards.total.detail;
    if (total) {
      setText(total, t("card.totalDetail", { offline: f.count(c.offline), unknown: f.count(c.unknown) }));
    }
    const rate = this.cards.rate;
    rate.root.dataset.level = displayLevel(c.level);
    if (rate.detail) setText(rate.detail, t("card.rateDetail", { level: t(`level.${c.level}`) }));
  }

  private show(card: Card, value: number, text: string): void {
    card.root.dataset.value = String(value);
    setText(card.value, text);
  }
}
