import uPlot from "uplot";
import type { Locale } from "../locale.js";
import { peakHour, type Series } from "../series.js";
import { axis, ChartHost, palette } from "./chart.js";

/** Average occupancy by hour of day, as bars. */
export class HourlyChart {
  private readonly chart: ChartHost;
  private series: Series = { x: [], y: [] };

  constructor(
    private readonly host: HTMLElement,
    empty: HTMLElement,
    private locale: Locale,
  ) {
    this.chart = new ChartHost(host, empty, (width, height) => this.options(width, height));
  }

  setLocale(locale: Locale): void {
    this.locale = locale;
    this.rebuild();
  }

  rebuild(): void {
    this.chart.rebuild();
    this.describe();
  }

  show(series: Series): void {
    this.series = series;
    const hasData = series.y.some((v) => v !== null);
    this.chart.setData(hasData ? [series.x, series.y] : [[], []]);
    this.describe();
  }

  private describe(): void {
    const { t, f } = this.locale;
    const peak = peakHour(this.series);
    this.host.setAttribute(
      "aria-label",
      peak === null
        ? t("hourly.empty")
        : t("hourly.label", { hour: f.hour(peak.hour), value: f.percent(peak.value) }),
    );
  }

  private options(width: number, height: number): uPlot.Options {
    const { t, f } = this.locale;
    const p = palette();
    return {
      width,
      height,
      cursor: { drag: { x: false, y: false, setScale: false } },
      scales: { x: { time: false, range: [-0.5, 23.5] }, y: { range: [0, 100] } },
      series: [
        { label: t("chart.hour"), value: (_u, v) => (v === null ? "—" : f.hour(v)) },
        {
          label: t("hourly.series"),
          stroke: p.line,
          fill: p.fill,
          width: 1,
          paths: uPlot.paths.bars?.({ size: [0.7, 40] }),
          points: { show: false },
          value: (_u, v) => (v === null ? "—" : f.percent(v)),
        },
      ],
      axes: [
        axis(p, (_u, splits) => splits.map((h) => (Number.isInteger(h) ? f.hour(h) : "")), {
          incrs: [1, 2, 3, 4, 6, 12],
          space: 36,
        }),
        axis(p, (_u, splits) => splits.map((v) => f.percent(v)), { size: 56 }),
      ],
    };
  }
}
