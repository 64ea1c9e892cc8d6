import { fromLocalInput, toLocalInput } from "../format.js";
import type { Locale } from "../locale.js";
import { type Filter, WHOLE_LOT } from "../lot.js";
import { type ExportFormat, exportUrl } from "../urls.js";
import { byTestId, setText } from "./dom.js";

const DAY_MS = 86_400_000;

/**
 * Export links for a date range, last 24 h by default. Plain `<a href download>`: the browser
 * streams the file itself. While a bound is untouched it follows the clock, so a link clicked
 * an hour after the page opened still ends now.
 */
export class ExportView {
  private readonly from: HTMLInputElement;
  private readonly to: HTMLInputElement;
  private readonly links: Record<ExportFormat, HTMLAnchorElement>;
  private readonly note: HTMLElement;
  private fromTouched = false;
  private toTouched = false;
  private filter: Filter = WHOLE_LOT;

  constructor(
    root: HTMLElement,
    private locale: Locale,
  ) {
    this.from = root.querySelector<HTMLInputElement>('input[name="from"]') as HTMLInputElement;
    this.to = root.querySelector<HTMLInputElement>('input[name="to"]') as HTMLInputElement;
    this.note = root.querySelector<HTMLElement>(".export-note") as HTMLElement;
    this.links = { csv: byTestId("export-csv", root), xlsx: byTestId("export-xlsx", root) };
    this.from.addEventListener("input", () => {
      this.fromTouched = true;
      this.refresh();
    });
    this.to.addEventListener("input", () => {
      this.toTouched = true;
      this.refresh();
    });
    for (const link of Object.values(this.links)) link.addEventListener("click", () => this.refresh());
    this.refresh();
  }

  setLocale(locale: Locale): void {
    this.locale = locale;
    this.refresh();
  }

  setFilter(filter: Filter): void {
    this.filter = filter;
    this.refresh();
  }

  private refresh(): void {
    const now = Date.now();
    const to = this.toTouched ? fromLocalInput(this.to.value) : now;
    const from = this.fromTouched ? fromLocalInput(this.from.value) : (to ?? now) - DAY_MS;
    if (!this.toTouched) this.to.value = toLocalInput(now);
    if (!this.fromTouched && from !== undefined) this.from.value = toLocalInput(from);
    const valid = from !== undefined && to !== undefined && from < to;
    for (const [format, link] of Object.entries(this.links) as Array<[ExportFormat, HTMLAnchorElement]>) {
      if (valid) {
        link.href = exportUrl(format, from, to, this.filter);
        link.removeAttribute("aria-disabled");
      } else {
        link.removeAttribute("href");
        link.setAttribute("aria-disabled", "true");
      }
    }
    const { t } = this.locale;
    const { site, zone } = this.filter;
    setText(
      this.note,
      !valid
        ? t("export.invalid")
        : zone !== null
          ? t("export.zone", { zone })
          : site !== null
            ? t("export.site", { site })
            : "",
    );
  }
}
