import type uPlot from "uplot";
import type { Locale } from "../locale.js";
import { appendLive, lastValue, type Series } from "../series.js";
import type { Thresholds } from "./alerts.js";
import { axis, ChartHost, palette } from "./chart.js";

const DAY_MS = 86_400_000;

/** Occupancy rate over time, with the alert thresholds as dashed lines; the live range slides with the clock. */
export class OccupancyChart {
  private readonly chart: ChartHost;
  private series: Series = { x: [], y: [] };
  private window = { from: 0, to: 0 };
  private live = false;
  private spanMs = 0;

  constructor(
    private readonly host: HTMLElement,
    empty: HTMLElement,
    private locale: Locale,
    private thresholds: Thresholds,
  ) {
    this.chart = new ChartHost(host, empty, (width, height) => this.options(width, height));
  }

  setLocale(locale: Locale): void {
    this.locale = locale;
    this.rebuild();
  }

  setThresholds(thresholds: Thresholds): void {
    this.thresholds = thresholds;
    this.rebuild();
  }

  rebuild(): void {
    this.chart.rebuild();
    this.describe();
  }

  show(series: Series, from: number, to: number, live: boolean): void {
    this.series = series;
    this.window = { from, to };
    this.spanMs = to - from;
    this.live = live;
    this.draw();
  }

  /** A live value: added to the series and the window moved on, in the live range only. */
  extend(t: number, value: number): boolean {
    if (!this.live) return false;
    appendLive(this.series, t, value, this.spanMs);
    this.window = { from: t - this.spanMs, to: t };
    return true;
  }

  draw(): void {
    this.chart.setData([this.series.x, this.series.y]);
    this.describe();
  }

  private describe(): void {
    const last = lastValue(this.series);
    const { t, f } = this.locale;
    this.host.setAttribute(
      "aria-label",
      t("occupancy.label", { value: last === null ? t("tip.none") : f.percent(last) }),
    );
  }

  private options(width: number, height: number): uPlot.Options {
    const { t, f } = this.locale;
    const p = palette();
    const thresholds = this.thresholds;
    return {
      width,
      height,
      ms: 1,
      cursor: { drag: { x: false, y: false, setScale: false } },
      scales: {
        x: { time: true, range: () => [this.window.from, this.window.to] },
        y: { range: [0, 100] },
      },
      series: [
        { label: t("chart.time"), value: (_u, v) => (v === null ? "—" : f.dateTime(v)) },
        {
          label: t("occupancy.series"),
          stroke: p.line,
          fill: p.fill,
          width: 2,
          value: (_u, v) => (v === null ? "—" : f.percent(v)),
        },
      ],
      axes: [
        axis(p, (_u, splits, _i, _space, incr) =>
          splits.map((v) => (incr >= DAY_MS ? f.day(v) : f.clock(v))),
        ),
        axis(p, (_u, splits) => splits.map((v) => f.percent(v)), { size: 56 }),
      ],
      hooks: {
        draw: [
          (u) => {
            const ctx = u.ctx;
            ctx.save();
            ctx.setLineDash([6, 4]);
            ctx.lineWidth = devicePixelRatio;
            for (const [rate, colour] of [
              [thresholds.high, p.warning],
              [thresholds.critical, p.critical],
            ] as const) {
              const y = Math.round(u.valToPos(rate, "y", true));
              ctx.strokeStyle = colour;
              ctx.beginPath();
              ctx.moveTo(u.bbox.left, y);
              ctx.lineTo(u.bbox.left + u.bbox.width, y);
              ctx.stroke();
            }
            ctx.restore();
          },
        ],
      },
    };
  }
}
