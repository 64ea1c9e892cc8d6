/**
 * A filter `<select>` (zones, sites): "all" (the first option, empty value) and one option per
 * id, added as ids appear. With `shown`, the control is hidden while there is nothing to choose,
 * as the site filter is at a gateway that is not a central one.
 */
export class FilterSelectView {
  private ids = "";

  constructor(
    private readonly select: HTMLSelectElement,
    changed: (id: string | null) => void,
    private readonly shown?: HTMLElement,
  ) {
    select.addEventListener("change", () => changed(select.value === "" ? null : select.value));
  }

  setIds(ids: readonly string[]): void {
    const joined = ids.join("\n");
    if (joined === this.ids) return;
    this.ids = joined;
    const chosen = this.select.value;
    const all = this.select.options[0] as HTMLOptionElement;
    this.select.replaceChildren(all, ...ids.map((id) => new Option(id, id)));
    this.select.value = ids.includes(chosen) ? chosen : "";
    if (this.shown) this.shown.hidden = ids.length === 0;
  }

  /** Shows a choice made elsewhere: a zone let go when the site changes. */
  choose(id: string | null): void {
    this.select.value = id ?? "";
  }
}
