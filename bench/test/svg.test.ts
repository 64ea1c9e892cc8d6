import { describe, expect, it } from "vitest";
import { axisMax, chartSvg, escapeXml, formatValue, type Panel } from "../support/svg.js";

const latency: Panel = {
  title: "p99 at 1,000 reports/s",
  unit: "ms",
  bars: [
    { label: "Mosquitto → bare subscriber", value: 2, kind: "limit" },
    { label: "gateway → SSE", value: 10 },
  ],
  target: { value: 20, label: "target < 20 ms" },
};

/** The width of the bar whose <title> starts with `label`. */
function barWidth(svg: string, label: string): number {
  const match = new RegExp(`<rect [^>]*width="([\\d.]+)"[^>]*><title>${label}`).exec(svg);
  if (!match) throw new Error(`no bar for ${label}`);
  return Number(match[1]);
}

describe("escapeXml", () => {
  it("escapes the five XML specials and leaves the rest", () => {
    expect(escapeXml(`<a href="x">'&'</a> → ok`)).toBe(
      "&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62; → ok",
    );
  });
});

describe("formatValue", () => {
  it("separates thousands and rounds like the tables", () => {
    expect(formatValue(31402)).toBe("31,402");
    expect(formatValue(12.345)).toBe("12.35");
    expect(formatValue(190.6)).toBe("191");
    expect(formatValue(Number.NaN)).toBe("NaN");
  });
});

describe("axisMax", () => {
  it("holds the largest bar or the target, with room", () => {
    expect(axisMax(latency)).toBeCloseTo(20 * 1.08);
    expect(axisMax({ ...latency, target: { value: 1, label: "" } })).toBeCloseTo(10 * 1.08);
  });

  it("is 1 when there is nothing to show", () => {
    expect(axisMax({ title: "", unit: "", bars: [{ label: "a", value: null }] })).toBe(1);
    expect(axisMax({ title: "", unit: "", bars: [{ label: "a", value: 0 }] })).toBe(1);
  });
});

describe("chartSvg", () => {
  it("is one well-formed svg element with every label escaped", () => {
    const svg = chartSvg("Latency <p99> & more", [latency]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg).toContain("Latency &#60;p99&#62; &#38; more");
    expect(svg).toContain("target &#60; 20 ms");
    // No raw specials inside text: every < starts a tag, every & an entity.
    expect(svg.match(/&(?!#\d+;)/g)).toBeNull();
  });

  it("draws bars in proportion on one scale, the limit grey and the measured blue", () => {
    const svg = chartSvg("t", [latency]);
    const limit = barWidth(svg, "Mosquitto");
    const measured = barWidth(svg, "gateway");
    expect(measured / limit).toBeCloseTo(5, 1);
    expect(svg).toMatch(/fill="#a0aec0"><title>Mosquitto/);
    expect(svg).toMatch(/fill="#2b6cb0"><title>gateway/);
  });

  it("puts the target line where the target value falls", () => {
    const svg = chartSvg("t", [latency]);
    const line = /<line x1="([\d.]+)"/.exec(svg);
    const x1 = Number(line?.[1]);
    const measuredEnd = /<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*><title>gateway/.exec(svg);
    const x0 = Number(measuredEnd?.[1]);
    const w = Number(measuredEnd?.[2]);
    // 10 ms is half of 20 ms: the line is twice as far from the axis as the bar's end.
    expect((x1 - x0) / w).toBeCloseTo(2, 1);
  });

  it("shows a missing value as n/a without a bar, and a missed target in red", () => {
    const svg = chartSvg("t", [
      {
        title: "p",
        unit: "",
        bars: [
          { label: "none", value: null },
          { label: "late", value: 30, kind: "missed" },
        ],
      },
    ]);
    expect(svg).toContain(">n/a<");
    expect(svg).not.toMatch(/<title>none/);
    expect(svg).toMatch(/fill="#c53030"><title>late/);
  });

  it("grows taller with more panels and bars", () => {
    const height = (svg: string) => Number(/height="(\d+)"/.exec(svg)?.[1]);
    const one = chartSvg("t", [latency]);
    const two = chartSvg("t", [latency, { ...latency, bars: [...latency.bars, { label: "x", value: 1 }] }]);
    expect(height(two)).toBeGreaterThan(height(one));
  });
});
