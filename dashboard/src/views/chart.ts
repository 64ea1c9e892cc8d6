import uPlot from "uplot";
import { cssColor } from "./dom.js";

export type Data = uPlot.AlignedData;

/** Colours of the current theme, read from the stylesheet when a chart is (re)built. */
export interface Palette {
  line: string;
  fill: string;
  axis: string;
  grid: string;
  warning: string;
  critical: string;
}

export function palette(): Palette {
  return {
    line: cssColor("--chart-line"),
    fill: cssColor("--chart-fill"),
    axis: cssColor("--muted"),
    grid: cssColor("--grid"),
    warning: cssColor("--warning"),
    critical: cssColor("--critical"),
  };
}

export function axis(p: Palette, values: uPlot.Axis.Values, extra: uPlot.Axis = {}): uPlot.Axis {
  return {
    stroke: p.axis,
    grid: { stroke: p.grid, width: 1 },
    ticks: { stroke: p.grid, width: 1 },
    values,
    ...extra,
  };
}

/**
 * One uPlot chart in a host element: sized to the host's width, rebuilt when the theme or the
 * language changes (colours and labels are baked into a uPlot), and with a line of text instead
 * of an empty plot when there is no data.
 */
export class ChartHost {
  private plot: uPlot | null = null;
  private data: Data = [[], []];
  private width = 0;

  constructor(
    private readonly host: HTMLElement,
    private readonly empty: HTMLElement,
    private readonly options: (width: number, height: number) => uPlot.Options,
  ) {
    new ResizeObserver(() => this.resize()).observe(host);
  }

  setData(data: Data): void {
    this.data = data;
    this.empty.hidden = (data[0]?.length ?? 0) > 0;
    if (this.plot) this.plot.setData(data);
    else this.rebuild();
  }

  rebuild(): void {
    this.plot?.destroy();
    this.plot = null;
    this.width = this.host.clientWidth;
    if (this.width === 0) return;
    this.plot = new uPlot(this.options(this.width, heightFor(this.width)), this.data, this.host);
  }

  private resize(): void {
    const width = this.host.clientWidth;
    if (width === this.width) return;
    if (this.plot === null) {
      this.rebuild();
      return;
    }
    this.width = width;
    this.plot.setSize({ width, height: heightFor(width) });
  }
}

function heightFor(width: number): number {
  return Math.round(Math.min(240, Math.max(160, width * 0.45)));
}
