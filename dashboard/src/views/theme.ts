import { readPref, writePref } from "../prefs.js";
import { cssColor } from "./dom.js";

export type Theme = "light" | "dark";

const KEY = "parking.theme";

/**
 * Light or dark: the system's choice until the person presses the toggle, whose choice is then
 * kept in localStorage. The stylesheet keys off `data-theme` on the root element.
 */
export class ThemeView {
  private saved: Theme | null;
  private readonly system = matchMedia("(prefers-color-scheme: dark)");

  constructor(
    private readonly button: HTMLButtonElement,
    private readonly meta: HTMLMetaElement | null,
    private readonly changed: () => void,
  ) {
    const stored = readPref(KEY);
    this.saved = stored === "light" || stored === "dark" ? stored : null;
    this.system.addEventListener("change", () => {
      if (this.saved === null) this.apply(true);
    });
    button.addEventListener("click", () => {
      this.saved = this.theme === "dark" ? "light" : "dark";
      writePref(KEY, this.saved);
      this.apply(true);
    });
    this.apply(false);
  }

  get theme(): Theme {
    return this.saved ?? (this.system.matches ? "dark" : "light");
  }

  private apply(notify: boolean): void {
    const theme = this.theme;
    document.documentElement.dataset.theme = theme;
    this.button.setAttribute("aria-pressed", String(theme === "dark"));
    this.meta?.setAttribute("content", cssColor("--bar"));
    if (notify) this.changed();
  }
}
