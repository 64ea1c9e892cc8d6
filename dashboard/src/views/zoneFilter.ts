import type { ZoneFilter } from "../lot.js";

/** The zone `<select>`: "all zones" (empty value) and one option per zone, added as zones appear. */
export class ZoneFilterView {
  private names = "";

  constructor(
    private readonly select: HTMLSelectElement,
    changed: (zone: ZoneFilter) => void,
  ) {
    select.addEventListener("change", () => changed(select.value === "" ? null : select.value));
  }

  setZones(zones: readonly string[]): void {
    const names = zones.join("\n");
    if (names === this.names) return;
    this.names = names;
    const chosen = this.select.value;
    const all = this.select.options[0] as HTMLOptionElement;
    this.select.replaceChildren(all, ...zones.map((zone) => new Option(zone, zone)));
    this.select.value = zones.includes(chosen) ? chosen : "";
  }
}
