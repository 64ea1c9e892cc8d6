import type { Key } from "../i18n.js";
import type { Locale } from "../locale.js";

/**
 * Puts the page's fixed text in the current language: `data-i18n` names an element's text,
 * `data-i18n-label` its aria-label. Views write their own changing text.
 */
export function translatePage(locale: Locale): void {
  const { t } = locale;
  document.documentElement.lang = locale.lang;
  document.title = t("title");
  for (const el of document.querySelectorAll<HTMLElement>("[data-i18n]")) {
    el.textContent = t(el.dataset.i18n as Key);
  }
  for (const el of document.querySelectorAll<HTMLElement>("[data-i18n-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel as Key));
  }
}
