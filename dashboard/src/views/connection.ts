import type { ConnectionState } from "../connection.js";
import type { Locale } from "../locale.js";
import { setText } from "./dom.js";

/** The live stream's state, in a status region (polite): a drop and a return are announced. */
export class ConnectionView {
  private state: ConnectionState = "connecting";

  constructor(
    private readonly root: HTMLElement,
    private readonly text: HTMLElement,
    private locale: Locale,
  ) {}

  setLocale(locale: Locale): void {
    this.locale = locale;
    this.show(this.state);
  }

  show(state: ConnectionState): void {
    this.state = state;
    this.root.dataset.state = state;
    setText(this.text, this.locale.t(`connection.${state}`));
  }
}
