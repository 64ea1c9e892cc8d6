import { type Format, formatFor } from "./format.js";
import { formatTag, type Lang, type Translate, translator } from "./i18n.js";

/** The language the page speaks now, with its strings and its number and date formats. */
export interface Locale {
  lang: Lang;
  t: Translate;
  f: Format;
}

export function localeFor(lang: Lang, preferred: readonly string[]): Locale {
  return { lang, t: translator(lang), f: formatFor(formatTag(lang, preferred)) };
}
