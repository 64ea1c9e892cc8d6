import { setText } from "./dom.js";

/** One line at the top saying what failed and that the page retries; the rest of the page stays. */
export class NoticeView {
  private readonly failures = new Map<string, string>();

  constructor(private readonly el: HTMLElement) {}

  /** `source` names what failed, so its next success clears just its line. */
  fail(source: string, message: string): void {
    this.failures.set(source, message);
    this.show();
  }

  ok(source: string): void {
    if (this.failures.delete(source)) this.show();
  }

  private show(): void {
    const latest = [...this.failures.values()].pop();
    this.el.hidden = latest === undefined;
    setText(this.el, latest ?? "");
  }
}
