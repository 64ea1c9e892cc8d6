/** One bar: a measured value, or the limit it is compared with. */
export interface Bar {
  label: string;
  /** Null: not measured (drawn as "n/a", no bar). */
  value: number | null;
  /** measured (default), limit (the in-run comparison), missed (measured, and the target missed). */
  kind?: "measured" | "limit" | "missed";
}

/** One horizontal bar chart: bars on one scale, with an optional target line. */
export interface Panel {
  title: string;
  unit: string;
  bars: Bar[];
  target?: { value: number; label: string };
}

const WIDTH = 760;
const LABEL_W = 250;
const VALUE_W = 110;
const BAR_H = 16;
const ROW_H = 22;
const TITLE_H = 26;
const PANEL_GAP = 18;
const MARGIN = 12;
const COLORS = { measured: "#2b6cb0", limit: "#a0aec0", missed: "#c53030", target: "#c05621" } as const;

/** Text for XML content and attribute values: & < > " ' escaped. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A number as the tables show it: thousands separated, at most 2 decimals (none from 100). */
export function formatValue(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return n.toLocaleString("en-US");
  return n.toLocaleString("en-US", { maximumFractionDigits: Math.abs(n) >= 100 ? 0 : 2 });
}

/** The largest value a panel's axis must hold: its bars and target, with room; 1 when all are 0 or missing. */
export function axisMax(panel: Panel): number {
  const values = panel.bars.map((b) => b.value ?? 0).filter((v) => Number.isFinite(v) && v > 0);
  if (panel.target && Number.isFinite(panel.target.value)) values.push(panel.target.value);
  const max = Math.max(0, ...values);
  return max > 0 ? max * 1.08 : 1;
}

/**
 * A self-contained SVG of horizontal bar charts, one panel under another: the measured values
 * in blue (red when they miss their target), the in-run limits in grey, each panel's target as
 * a dashed line. Negative values draw as empty bars.
 */
export function chartSvg(title: string, panels: readonly Panel[]): string {
  const barW = WIDTH - LABEL_W - VALUE_W - 2 * MARGIN;
  const parts: string[] = [];
  let y = MARGIN + 20;
  parts.push(`<text x="${MARGIN}" y="${y}" font-size="16" font-weight="bold">${escapeXml(title)}</text>`);
  y += 14;
  for (const panel of panels) {
    const max = axisMax(panel);
    const x0 = MARGIN + LABEL_W;
    const scale = (v: number): number => Math.max(0, Math.min(barW, (v / max) * barW));
    const top = y;
    parts.push(
      `<text x="${MARGIN}" y="${y + 18}" font-size="13" font-weight="bold">${escapeXml(
        `${panel.title}${panel.unit ? ` (${panel.unit})` : ""}`,
      )}</text>`,
    );
    y += TITLE_H;
    for (const bar of panel.bars) {
      const kind = bar.kind ?? "measured";
      parts.push(
        `<text x="${x0 - 6}" y="${y + BAR_H - 4}" font-size="12" text-anchor="end">${escapeXml(bar.label)}</text>`,
      );
      if (bar.value === null || !Number.isFinite(bar.value)) {
        parts.push(`<text x="${x0 + 4}" y="${y + BAR_H - 4}" font-size="12" fill="#718096">n/a</text>`);
      } else {
        const w = scale(bar.value);
        parts.push(
          `<rect x="${x0}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${COLORS[kind]}"><title>${escapeXml(
            `${bar.label}: ${formatValue(bar.value)} ${panel.unit}`,
          )}</title></rect>`,
          `<text x="${(x0 + w + 4).toFixed(1)}" y="${y + BAR_H - 4}" font-size="12">${escapeXml(
            formatValue(bar.value),
          )}</text>`,
        );
      }
      y += ROW_H;
    }
    if (panel.target) {
      const x = (x0 + scale(panel.target.value)).toFixed(1);
      parts.push(
        `<line x1="${x}" y1="${top + TITLE_H - 4}" x2="${x}" y2="${y}" stroke="${COLORS.target}" stroke-width="2" stroke-dasharray="5 3"/>`,
        `<text x="${x}" y="${y + 14}" font-size="11" fill="${COLORS.target}" text-anchor="middle">${escapeXml(
          panel.target.label,
        )}</text>`,
      );
      y += ROW_H;
    } else {
      y += 4;
    }
    y += PANEL_GAP;
  }
  const height = Math.max(y, MARGIN + 40) + MARGIN;
  const legend = [
    ["measured", COLORS.measured],
    ["in-run limit", COLORS.limit],
    ["target missed", COLORS.missed],
  ] as const;
  legend.forEach(([label, color], i) => {
    const x = WIDTH - MARGIN - (legend.length - i) * 110;
    parts.push(
      `<rect x="${x}" y="${MARGIN + 8}" width="10" height="10" fill="${color}"/>`,
      `<text x="${x + 14}" y="${MARGIN + 17}" font-size="11">${escapeXml(label)}</text>`,
    );
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}
