import type { Locale } from "../locale.js";
import { type ActiveAlert, displayLevel, worstLevel } from "../lot.js";
import type { AlertLevel } from "../types.js";
import { element } from "./dom.js";

export interface Thresholds {
  high: number;
  critical: number;
}

/**
 * Alert banners from the gateway's levels, which already carry its hysteresis: one for the lot
 * (`alert-banner`) and one listing the zones above normal (`zone-alerts`, a `zone-alert` chip per
 * zone), so eight busy zones take one line, not eight. They sit in a polite live region and are
 * rebuilt only when a level changes, so a moving rate is not read out again.
 */
export class AlertsView {
  private signature = "";
  private alerts: ActiveAlert[] = [];

  constructor(
    private readonly region: HTMLElement,
    private locale: Locale,
    private thresholds: Thresholds,
  ) {}

  setLocale(locale: Locale): void {
    this.locale = locale;
    this.signature = "";
    this.render(this.alerts);
  }

  setThresholds(thresholds: Thresholds): void {
    this.thresholds = thresholds;
    this.signature = "";
    this.render(this.alerts);
  }

  render(alerts: ActiveAlert[]): void {
    this.alerts = alerts;
    const signature = alerts.map((a) => `${a.zone ?? ""}=${a.level}`).join(" ");
    if (signature === this.signature) return;
    this.signature = signature;
    const lot = alerts.find((a) => a.zone === null);
    const zones = alerts.filter((a) => a.zone !== null);
    const banners: HTMLElement[] = [];
    if (lot) banners.push(this.lotBanner(lot));
    if (zones.length > 0) banners.push(this.zonesBanner(zones));
    this.region.replaceChildren(...banners);
  }

  private lotBanner(alert: ActiveAlert): HTMLElement {
    const { t } = this.locale;
    const text = t("alert.lot", { level: t(`level.${alert.level}`), threshold: this.threshold(alert) });
    return banner("alert-banner", alert.level, `${t("alert.heading")}:`, [element("span", undefined, text)]);
  }

  private zonesBanner(alerts: ActiveAlert[]): HTMLElement {
    const { t } = this.locale;
    const chips = alerts.map((alert) => {
      const text = t("alert.zone", {
        zone: alert.zone ?? "",
        level: t(`level.${alert.level}`),
        threshold: this.threshold(alert),
      });
      const chip = element("span", "chip", text);
      chip.dataset.testid = "zone-alert";
      chip.dataset.zone = alert.zone ?? "";
      chip.dataset.level = displayLevel(alert.level);
      return chip;
    });
    return banner("zone-alerts", worstLevel(alerts), `${t("alert.zones")}:`, chips);
  }

  private threshold(alert: ActiveAlert): string {
    return this.locale.f.percent(
      alert.level === "critical" ? this.thresholds.critical : this.thresholds.high,
    );
  }
}

function banner(testid: string, level: AlertLevel, heading: string, content: HTMLElement[]): HTMLElement {
  const root = element("div", "banner");
  root.dataset.testid = testid;
  root.dataset.level = displayLevel(level);
  const mark = element("span", "banner-mark", level === "critical" ? "!!" : "!");
  mark.setAttribute("aria-hidden", "true");
  root.append(mark, element("strong", undefined, heading), ...content);
  return root;
}
