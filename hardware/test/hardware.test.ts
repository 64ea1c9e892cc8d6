import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CALIBRATION_MIN_FLOOR_CM,
  CALIBRATION_OFFSET_CM,
  calibrationThreshold,
} from "../../firmware/src/core/calibration.js";
import { PING_GAP_MS } from "../../firmware/src/core/filter.js";
import { DEFAULT_SETTINGS } from "../../firmware/src/core/settings.js";
import { configTopic } from "../../protocol/src/topics.js";

// The installer's guide states numbers a reader will build and pay for; these tests recompute
// each of them from the figures the guide itself states, and from the firmware's own constants.

const read = (relative: string): string => readFileSync(new URL(relative, import.meta.url), "utf8");
const README = read("../README.md");
const SVG = read("../wiring.svg");
const NODE_SOURCE = read("../../firmware/src/node.ts");

// ---------------------------------------------------------------------------------------------
// A small, strict XML well-formedness checker (Node has no XML parser). It builds a tree so the
// SVG's contents can be inspected too.

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Character data directly inside this element, entities decoded. */
  text: string;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function isNameStart(c: string): boolean {
  return (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || c === "_" || c === ":" || c > "\u007f";
}

function isNameChar(c: string): boolean {
  return isNameStart(c) || (c >= "0" && c <= "9") || c === "-" || c === ".";
}

function isSpace(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r";
}

/** Parses a whole XML document; throws with the offset of the first well-formedness error. */
function parseXml(source: string): XmlElement {
  let i = source.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const fail = (why: string): never => {
    throw new Error(`not well-formed XML at offset ${i}: ${why}`);
  };
  const skipSpace = (): void => {
    while (i < source.length && isSpace(source[i])) i++;
  };
  const name = (): string => {
    const start = i;
    if (i >= source.length || !isNameStart(source[i] ?? "")) fail("expected a name");
    while (i < source.length && isNameChar(source[i] ?? "")) i++;
    return source.slice(start, i);
  };
  const decode = (raw: string): string => {
    let out = "";
    for (let k = 0; k < raw.length; k++) {
      const c = raw[k] ?? "";
      if (c === "<") fail("'<' in character data or an attribute value");
      if (c !== "&") {
        out += c;
        continue;
      }
      const end = raw.indexOf(";", k);
      if (end < 0) fail("'&' without ';'");
      const ref = raw.slice(k + 1, end);
      if (ref.startsWith("#x") && /^#x[0-9a-fA-F]+$/.test(ref))
        out += String.fromCodePoint(parseInt(ref.slice(2), 16));
      else if (ref.startsWith("#") && /^#[0-9]+$/.test(ref))
        out += String.fromCodePoint(parseInt(ref.slice(1), 10));
      else if (ENTITIES[ref] !== undefined) out += ENTITIES[ref];
      else fail(`unknown entity &${ref};`);
      k = end;
    }
    return out;
  };

  if (source.startsWith("<?xml", i)) {
    const end = source.indexOf("?>", i);
    if (end < 0) fail("unterminated XML declaration");
    i = end + 2;
  }
  while (i < source.length) {
    const open = stack[stack.length - 1];
    if (source.startsWith("<!--", i)) {
      const end = source.indexOf("-->", i + 4);
      if (end < 0) fail("unterminated comment");
      if (source.slice(i + 4, end).includes("--")) fail("'--' inside a comment");
      i = end + 3;
    } else if (source.startsWith("<![CDATA[", i)) {
      if (open === undefined) fail("CDATA outside the root element");
      const end = source.indexOf("]]>", i);
      if (end < 0) fail("unterminated CDATA section");
      if (open !== undefined) open.text += source.slice(i + 9, end);
      i = end + 3;
    } else if (source.startsWith("<!", i) || source.startsWith("<?", i)) {
      fail("DOCTYPE and processing instructions are not allowed here");
    } else if (source.startsWith("</", i)) {
      i += 2;
      const closing = name();
      skipSpace();
      if (source[i] !== ">") fail(`expected '>' after </${closing}`);
      i++;
      const top = stack.pop();
      if (top === undefined) fail(`</${closing}> closes nothing`);
      if (top !== undefined && top.name !== closing) fail(`</${closing}> closes <${top.name}>`);
    } else if (source[i] === "<") {
      i++;
      const element: XmlElement = { name: name(), attrs: {}, children: [], text: "" };
      for (;;) {
        const spaced = isSpace(source[i]);
        skipSpace();
        if (source.startsWith("/>", i) || source[i] === ">") break;
        if (i >= source.length) fail(`unterminated <${element.name}>`);
        if (!spaced) fail("attributes must be separated by white space");
        const attr = name();
        skipSpace();
        if (source[i] !== "=") fail(`attribute ${attr} has no '='`);
        i++;
        skipSpace();
        const quote = source[i];
        if (quote !== '"' && quote !== "'") fail(`attribute ${attr} is not quoted`);
        const end = source.indexOf(quote ?? '"', i + 1);
        if (end < 0) fail(`attribute ${attr} is not closed`);
        if (Object.hasOwn(element.attrs, attr)) fail(`attribute ${attr} appears twice`);
        element.attrs[attr] = decode(source.slice(i + 1, end));
        i = end + 1;
      }
      if (open === undefined) {
        if (root !== undefined) fail("a second root element");
        root = element;
      } else {
        open.children.push(element);
      }
      if (source.startsWith("/>", i)) {
        i += 2;
      } else {
        i++;
        stack.push(element);
      }
    } else {
      const end = source.indexOf("<", i);
      const raw = source.slice(i, end < 0 ? source.length : end);
      if (open === undefined) {
        if (raw.trim() !== "") fail("text outside the root element");
        if (raw.includes("&")) fail("'&' outside the root element");
      } else {
        open.text += decode(raw);
      }
      i += raw.length;
    }
  }
  const unclosed = stack[stack.length - 1];
  if (unclosed !== undefined) fail(`<${unclosed.name}> is never closed`);
  if (root === undefined) fail("no root element");
  return root as XmlElement;
}

function* walk(element: XmlElement): Generator<XmlElement> {
  yield element;
  for (const child of element.children) yield* walk(child);
}

/** Every text the diagram shows, one entry per <text> element. */
function svgTexts(root: XmlElement): string[] {
  const out: string[] = [];
  for (const e of walk(root)) if (e.name === "text") out.push(e.text.trim());
  return out;
}

// ---------------------------------------------------------------------------------------------
// Markdown helpers: tables are found by the `<!-- table: name -->` comment right above them.

type Row = Record<string, string>;

function table(markdown: string, tableName: string): Row[] {
  const marker = `<!-- table: ${tableName} -->`;
  const at = markdown.indexOf(marker);
  if (at < 0) throw new Error(`README has no table "${tableName}"`);
  const lines = markdown.slice(at + marker.length).split("\n");
  let k = 0;
  while (k < lines.length && (lines[k] ?? "").trim() === "") k++;
  const block: string[] = [];
  while (k < lines.length && (lines[k] ?? "").trim().startsWith("|")) block.push((lines[k++] ?? "").trim());
  const cells = (line: string): string[] =>
    line
      .slice(1, line.endsWith("|") ? -1 : undefined)
      .split("|")
      .map((c) => c.trim());
  const header = cells(block[0] ?? "");
  if (header.length < 2 || !/^[-:| ]+$/.test(block[1] ?? ""))
    throw new Error(`table "${tableName}" is malformed`);
  return block.slice(2).map((line) => {
    const values = cells(line);
    if (values.length !== header.length)
      throw new Error(`table "${tableName}": row "${line}" has the wrong width`);
    const row: Row = {};
    header.forEach((h, n) => {
      row[h] = values[n] ?? "";
    });
    return row;
  });
}

function cell(row: Row, column: string): string {
  const value = row[column];
  if (value === undefined) throw new Error(`no column "${column}" in ${JSON.stringify(row)}`);
  return value;
}

/** The first number in a cell: "3.33 V" → 3.33, "`0.30`" → 0.3. */
function num(text: string): number {
  const match = /-?\d+(\.\d+)?/.exec(text);
  if (match === null) throw new Error(`no number in "${text}"`);
  return Number(match[0]);
}

/** "1 kΩ" → 1000, "2.2 kΩ" → 2200, "470 Ω" → 470. */
function ohms(text: string): number {
  const match = /(\d+(?:\.\d+)?)\s*(k|M)?Ω/.exec(text);
  if (match === null) throw new Error(`no resistance in "${text}"`);
  const scale = match[2] === "k" ? 1e3 : match[2] === "M" ? 1e6 : 1;
  return Number(match[1]) * scale;
}

/** "17 h", "4.1 days", "2.4 months" → hours (a month is 365 × 24 / 12 = 730 h). */
function hours(text: string): number {
  const match = /(\d+(?:\.\d+)?)\s*(h|hours?|days?|weeks?|months?)\b/.exec(text);
  if (match === null) throw new Error(`no duration in "${text}"`);
  const unit = match[2] ?? "";
  const scale = unit.startsWith("h") ? 1 : unit.startsWith("d") ? 24 : unit.startsWith("w") ? 168 : 730;
  return Number(match[1]) * scale;
}

function keyValues(rows: Row[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const row of rows) out[cell(row, "quantity").replace(/`/g, "")] = num(cell(row, "value"));
  return out;
}

function section(markdown: string, heading: string): string {
  const parts = markdown.split(/\n(?=## )/);
  const found = parts.find((p) => p.startsWith(`## ${heading}`) || p.includes(`\n## ${heading}`));
  if (found === undefined) throw new Error(`README has no section "${heading}"`);
  return found;
}

function within(actual: number, expected: number, share: number): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(
    Math.abs(expected) * share,
  );
}

// ---------------------------------------------------------------------------------------------

describe("the XML checker", () => {
  it("accepts a small well-formed document and reads its text", () => {
    const root = parseXml('<?xml version="1.0"?>\n<a x="1"><!-- c --><b y=\'2\'>t &amp; u</b><c/></a>\n');
    expect(root.name).toBe("a");
    expect(root.children.map((c) => c.name)).toEqual(["b", "c"]);
    expect(root.children[0]?.text).toBe("t & u");
  });

  it.each([
    ["<svg><g></svg>", "closes <g>"],
    ["<svg><g>", "never closed"],
    ['<svg a="1" a="2"/>', "appears twice"],
    ['<svg a="1"b="2"/>', "separated"],
    ["<svg a=1/>", "not quoted"],
    ["<svg>&nbsp;</svg>", "unknown entity"],
    ["<svg>a < b</svg>", "expected a name"],
    ["<svg><!-- a -- b --></svg>", "'--'"],
    ["<svg/><svg/>", "second root"],
    ["<svg/>text", "outside the root"],
    ['<!DOCTYPE svg SYSTEM "x.dtd"><svg/>', "DOCTYPE"],
  ])("rejects %s", (xml, why) => {
    expect(() => parseXml(xml)).toThrow(why);
  });
});

describe("wiring.svg", () => {
  // Parsed in beforeAll, so a malformed file fails these tests with the checker's message.
  let root: XmlElement;
  let texts: string[];
  beforeAll(() => {
    root = parseXml(SVG);
    texts = svgTexts(root);
  });

  it("is a well-formed SVG document with a viewBox", () => {
    expect(root.name).toBe("svg");
    expect(root.attrs.xmlns).toBe("http://www.w3.org/2000/svg");
    const box = (root.attrs.viewBox ?? "")
      .trim()
      .split(/[\s,]+/)
      .map(Number);
    expect(box).toHaveLength(4);
    expect(box.every((n) => Number.isFinite(n))).toBe(true);
    expect(box[2]).toBeGreaterThan(0);
    expect(box[3]).toBeGreaterThan(0);
  });

  it("has a <title> first and a <desc>, referenced for screen readers", () => {
    const [first] = root.children;
    expect(first?.name).toBe("title");
    expect(first?.text.trim().length).toBeGreaterThan(10);
    const desc = root.children.find((c) => c.name === "desc");
    expect(desc?.text.trim().length).toBeGreaterThan(40);
    expect(root.attrs.role).toBe("img");
    const labelled = (root.attrs["aria-labelledby"] ?? "").split(/\s+/);
    expect(labelled).toContain(first?.attrs.id);
    expect(labelled).toContain(desc?.attrs.id);
  });

  it("references nothing outside itself", () => {
    for (const e of walk(root)) {
      expect(["image", "script", "foreignObject", "style", "a"]).not.toContain(e.name);
      for (const [attr, value] of Object.entries(e.attrs)) {
        if (attr === "href" || attr.endsWith(":href"))
          expect(value.startsWith("#"), `${attr}="${value}"`).toBe(true);
        if (value.includes("url(")) expect(value).toMatch(/url\(\s*#/);
        if (attr !== "xmlns" && !attr.startsWith("xmlns:"))
          expect(value, `${e.name} ${attr}`).not.toMatch(/:\/\//);
      }
    }
  });

  it("sets its text in a system sans-serif font", () => {
    expect(root.attrs["font-family"]).toMatch(/system-ui/);
    expect(root.attrs["font-family"]).toMatch(/sans-serif$/);
  });

  it("labels the pins the firmware uses by default", () => {
    const { trigger, echo } = DEFAULT_SETTINGS.pins;
    for (const pin of [trigger, echo]) {
      const gpio = `GPIO${pin.slice(1)}`;
      expect(
        texts.some((t) => t.split(/[\s·]+/).includes(pin) && t.includes(gpio)),
        `a label naming ${pin} and ${gpio}`,
      ).toBe(true);
    }
    for (const label of ["5V", "GND", "VCC", "TRIG", "ECHO"]) expect(texts).toContain(label);
  });
});

describe("README: wiring", () => {
  const pins = table(README, "pins");
  const rowOf = (sensorPin: string): Row => {
    const row = pins.find((r) => cell(r, "HC-SR04 pin") === sensorPin);
    if (row === undefined) throw new Error(`pin table has no ${sensorPin} row`);
    return row;
  };

  it("embeds the diagram", () => {
    expect(README).toContain("![Wiring](wiring.svg)");
  });

  it("wires TRIG and ECHO to the firmware's default pins", () => {
    const expected: Array<[string, string]> = [
      ["TRIG", DEFAULT_SETTINGS.pins.trigger],
      ["ECHO", DEFAULT_SETTINGS.pins.echo],
    ];
    for (const [sensorPin, pin] of expected) {
      const row = rowOf(sensorPin);
      expect(cell(row, "Espruino name")).toBe(pin);
      expect(cell(row, "ESP32 DevKit pin")).toMatch(new RegExp(`\\bGPIO${pin.slice(1)}\\b`));
    }
    expect(cell(rowOf("TRIG"), "firmware setting")).toBe("`pins.trigger`");
    expect(cell(rowOf("ECHO"), "firmware setting")).toBe("`pins.echo`");
    expect(cell(rowOf("VCC"), "ESP32 DevKit pin")).toMatch(/^5V/);
    expect(cell(rowOf("GND"), "ESP32 DevKit pin")).toMatch(/^GND/);
  });

  it("gives dividers that bring a 4.75-5.25 V echo to 2.5-3.6 V, with the arithmetic right", () => {
    const dividers = table(README, "divider");
    expect(dividers.length).toBeGreaterThanOrEqual(2);
    for (const row of dividers) {
      const r1 = ohms(cell(row, "R1 (ECHO to GPIO18)"));
      const r2 = ohms(cell(row, "R2 (GPIO18 to GND)"));
      for (const supply of ["4.75", "5.00", "5.25"]) {
        const level = (Number(supply) * r2) / (r1 + r2);
        expect(level).toBeGreaterThanOrEqual(2.5);
        expect(level).toBeLessThanOrEqual(3.6);
        expect(num(cell(row, `at ${supply} V`))).toBeCloseTo(level, 2);
      }
    }
  });

  it("shows the recommended divider in the pin table, the arithmetic and the diagram", () => {
    const [recommended] = table(README, "divider");
    if (recommended === undefined) throw new Error("no divider");
    const r1 = ohms(cell(recommended, "R1 (ECHO to GPIO18)"));
    const r2 = ohms(cell(recommended, "R2 (GPIO18 to GND)"));
    const echoCell = cell(rowOf("ECHO"), "ESP32 DevKit pin");
    expect(ohms(/R1 = ([^;]+)/.exec(echoCell)?.[1] ?? "")).toBe(r1);
    expect(ohms(/R2 = (.+)/.exec(echoCell)?.[1] ?? "")).toBe(r2);
    const level = ((5 * r2) / (r1 + r2)).toFixed(2);
    expect(README).toContain(`**${level} V**`);
    const texts = svgTexts(parseXml(SVG));
    const labelled = (prefix: string): number => {
      const label = texts.find((t) => t.startsWith(prefix));
      if (label === undefined) throw new Error(`the diagram has no ${prefix} label`);
      return ohms(label);
    };
    expect(labelled("R1 ")).toBe(r1);
    expect(labelled("R2 ")).toBe(r2);
    expect(texts.some((t) => t.includes(`${level} V`))).toBe(true);
  });
});

describe("README: bill of materials", () => {
  const lot = 24;

  it.each(["bom-node", "bom-battery"])("%s: each line and the totals add up", (name) => {
    const rows = table(README, name);
    const lines = rows.filter((r) => !cell(r, "item").startsWith("Total"));
    const total = rows.find((r) => cell(r, "item").startsWith("Total"));
    expect(lines.length).toBeGreaterThan(2);
    let perNode = 0;
    for (const row of lines) {
      const each = num(cell(row, "qty per node")) * num(cell(row, "unit price (€, approx.)"));
      expect(num(cell(row, "per node (€)"))).toBeCloseTo(each, 2);
      expect(num(cell(row, "24-spot lot (€)"))).toBeCloseTo(each * lot, 2);
      perNode += each;
    }
    expect(num(cell(total ?? {}, "per node (€)"))).toBeCloseTo(perNode, 2);
    expect(num(cell(total ?? {}, "24-spot lot (€)"))).toBeCloseTo(perNode * lot, 2);
  });

  it("the gateway adds up, and so does the lot's total", () => {
    const rows = table(README, "bom-gateway");
    let gateway = 0;
    for (const row of rows.filter((r) => !cell(r, "item").startsWith("Total"))) {
      const each = num(cell(row, "qty")) * num(cell(row, "unit price (€, approx.)"));
      expect(num(cell(row, "total (€)"))).toBeCloseTo(each, 2);
      gateway += each;
    }
    const total = rows.find((r) => cell(r, "item").startsWith("Total"));
    expect(num(cell(total ?? {}, "total (€)"))).toBeCloseTo(gateway, 2);
    const nodes = num(
      cell(
        table(README, "bom-node").find((r) => cell(r, "item").startsWith("Total")) ?? {},
        "24-spot lot (€)",
      ),
    );
    const sentence = /€([\d.]+) for the nodes \+ €([\d.]+) for the gateway = about €(\d+)/.exec(README);
    expect(sentence).not.toBeNull();
    expect(Number(sentence?.[1])).toBeCloseTo(nodes, 2);
    expect(Number(sentence?.[2])).toBeCloseTo(gateway, 2);
    expect(Number(sentence?.[3])).toBe(Math.round(nodes + gateway));
  });
});

describe("README: mounting and calibration", () => {
  const calibration = section(README, "5. Calibration");

  it("the mounting table's thresholds are what the firmware's calibration gives", () => {
    for (const row of table(README, "mounting-heights")) {
      const heightM = num(cell(row, "sensor height above the floor"));
      const floorCm = num(cell(row, "floor reads"));
      expect(floorCm).toBeCloseTo(heightM * 100, 6);
      const result = calibrationThreshold(new Array<number>(150).fill(floorCm));
      if ("error" in result) throw new Error(result.error);
      expect(num(cell(row, "threshold_cm after calibration"))).toBe(result.thresholdCm);
      const radius = heightM * Math.tan((15 * Math.PI) / 180);
      expect(num(cell(row, "cone radius on the floor"))).toBeCloseTo(radius, 2);
    }
  });

  it("the default threshold is the one a 2.5 m ceiling gives, and the guide says so", () => {
    const result = calibrationThreshold(new Array<number>(150).fill(250));
    expect("thresholdCm" in result && result.thresholdCm).toBe(DEFAULT_SETTINGS.thresholdCm);
    expect(calibration).toContain(`**${DEFAULT_SETTINGS.thresholdCm} cm**`);
    expect(calibration).toContain(`threshold_cm = floor − ${CALIBRATION_OFFSET_CM} cm`);
  });

  it("names the firmware's config topic and calibrate payload", () => {
    const root = DEFAULT_SETTINGS.topicRoot;
    expect(calibration).toContain(`\`${configTopic(root, "<zone>", "<spot>")}\``);
    expect(calibration).toContain(`-t ${configTopic(root, "A", "12")} -m '{"calibrate": true}'`);
    // The firmware acts on exactly this field, and subscribes to exactly this topic.
    expect(NODE_SOURCE).toContain("received.calibrate === true");
    expect(NODE_SOURCE).toContain("mqtt.subscribe(topic(configTopic))");
    expect(NODE_SOURCE).toMatch(/globals\(\)\.calibrate = /);
    expect(calibration).toContain("`calibrate()`");
  });

  it("describes the measurement the firmware makes", () => {
    const pings = Number(/const CALIBRATION_PINGS = (\d+);/.exec(NODE_SOURCE)?.[1]);
    expect(pings).toBeGreaterThan(0);
    expect(calibration).toContain(`${pings} pings ${PING_GAP_MS} ms apart`);
    // 150 pings of 60 ms plus the echo: the "10 s" the guide and the firmware both announce.
    expect(Math.round((pings * PING_GAP_MS) / 1000)).toBe(9);
    expect(NODE_SOURCE).toContain("Calibrating: keep the spot empty for 10 s.");
    expect(calibration).toContain("`Calibrating: keep the spot empty for 10 s.`");
  });

  it("quotes the success line the firmware prints", () => {
    const result = calibrationThreshold(new Array<number>(150).fill(251.3));
    if ("error" in result) throw new Error(result.error);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: this is the firmware's source text.
    const template = "Calibrated: floor ${c.floorCm} cm, threshold_cm ${c.thresholdCm}, saved.";
    expect(NODE_SOURCE).toContain(template);
    const line = `Calibrated: floor ${result.floorCm} cm, threshold_cm ${result.thresholdCm}, saved.`;
    expect(calibration).toContain(`\`${line}\``);
    expect(calibration).toContain(`"threshold_cm": ${result.thresholdCm}`);
  });

  it("quotes each calibration error exactly as the firmware words it", () => {
    const missing = [...new Array<number>(40).fill(250), ...new Array<null>(110).fill(null)];
    const spread = [...new Array<number>(75).fill(240), ...new Array<number>(75).fill(264)];
    const near = new Array<number>(150).fill(80);
    for (const readings of [missing, spread, near]) {
      const result = calibrationThreshold(readings);
      if (!("error" in result)) throw new Error("expected a calibration error");
      expect(calibration).toContain(`\`${result.error}\``);
    }
    expect(calibration).toContain(`nearer than ${CALIBRATION_MIN_FLOOR_CM}`);
    expect(NODE_SOURCE).toContain("Config refused, nothing changed: not a JSON object.");
    expect(calibration).toContain("`Config refused, nothing changed: not a JSON object.`");
  });
});

describe("README: power", () => {
  it("mains: energy and cost follow from the stated figures", () => {
    const m = keyValues(table(README, "mains"));
    const need = (k: string): number => {
      const v = m[k];
      if (v === undefined) throw new Error(`mains table has no ${k}`);
      return v;
    };
    const wallW = (need("supply_v") * need("node_ma")) / 1000 / need("psu_efficiency");
    const whPerDay = wallW * 24;
    const kwhPerYear = (whPerDay * 365) / 1000;
    const eurPerYear = kwhPerYear * need("eur_per_kwh");
    within(need("wall_w"), wallW, 0.01);
    within(need("wh_per_day"), whPerDay, 0.01);
    within(need("kwh_per_year"), kwhPerYear, 0.01);
    within(need("eur_per_year"), eurPerYear, 0.01);
    within(need("lot_kwh_per_year"), kwhPerYear * need("nodes"), 0.01);
    within(need("lot_eur_per_year"), eurPerYear * need("nodes"), 0.01);
    expect(README).toContain(`about €${need("eur_per_year").toFixed(2)} a year`);
  });

  it("states the average-current formula it uses", () => {
    expect(README).toContain("**average current = (I_active × t_active + I_sleep × t_sleep) / period**");
    expect(README).toContain("**life = usable capacity / average\ncurrent**");
  });

  it("battery: every average, daily charge and life follows from the formula and the assumptions", () => {
    const a = keyValues(table(README, "power-assumptions"));
    const usable = a.battery_usable_mAh;
    const factor = a.boost_factor;
    if (usable === undefined || factor === undefined) throw new Error("assumptions incomplete");
    expect(usable).toBeLessThan(a.battery_mAh ?? 0);
    within(factor, 5 / (3.7 * 0.9), 0.01);
    const rows = table(README, "battery-life");
    expect(rows.length).toBeGreaterThanOrEqual(5);
    for (const row of rows) {
      const iActive = num(cell(row, "I_active (mA)"));
      const tActive = num(cell(row, "t_active (s)"));
      const iSleep = num(cell(row, "I_sleep (mA)"));
      const tSleep = num(cell(row, "t_sleep (s)"));
      const period = num(cell(row, "period (s)"));
      expect(tActive + tSleep).toBeCloseTo(period, 6);
      const average = (iActive * tActive + iSleep * tSleep) / period;
      within(num(cell(row, "average (mA)")), average, 0.05);
      within(num(cell(row, "per day (mAh)")), average * 24, 0.05);
      within(hours(cell(row, "life")), usable / average, 0.05);
    }
  });

  it("battery: the table's currents are the ones derived from the assumptions", () => {
    const a = keyValues(table(README, "power-assumptions"));
    const get = (k: string): number => {
      const v = a[k];
      if (v === undefined) throw new Error(`assumptions have no ${k}`);
      return v;
    };
    const rows = table(README, "battery-life");
    const find = (prefix: string): Row => {
      const row = rows.find((r) => cell(r, "case").startsWith(prefix));
      if (row === undefined) throw new Error(`no battery row "${prefix}"`);
      return row;
    };
    const devkit = find("DevKit, battery mode, interval 60 s");
    const devkitAwake =
      (get("esp32_awake_mA") + get("devkit_overhead_mA") + get("hcsr04_idle_mA")) * get("boost_factor");
    const devkitAsleep =
      (get("esp32_sleep_mA") + get("devkit_overhead_mA") + get("hcsr04_idle_mA")) * get("boost_factor");
    within(num(cell(devkit, "I_active (mA)")), devkitAwake, 0.01);
    within(num(cell(devkit, "I_sleep (mA)")), devkitAsleep, 0.01);
    expect(num(cell(devkit, "t_active (s)"))).toBe(get("wake_s"));
    const bare = find("bare module, sensor switched off in sleep, interval 60 s");
    expect(num(cell(bare, "I_active (mA)"))).toBe(get("esp32_awake_mA"));
    const bareAsleep = get("esp32_sleep_mA") + get("bare_overhead_mA");
    expect(num(cell(bare, "I_sleep (mA)"))).toBeCloseTo(bareAsleep, 6);
    const unswitched = find("bare module, sensor always powered");
    expect(num(cell(unswitched, "I_sleep (mA)"))).toBeCloseTo(bareAsleep + get("hcsr04_idle_mA"), 6);
    // Battery mode sleeps interval_s after each wake: the period is the wake plus the interval.
    for (const row of rows.filter(
      (r) => cell(r, "case").includes("battery mode") || cell(r, "case").startsWith("bare"),
    )) {
      const interval = num(/interval (\d+) s/.exec(cell(row, "case"))?.[1] ?? "");
      expect(num(cell(row, "t_sleep (s)"))).toBe(interval);
      expect(num(cell(row, "t_active (s)"))).toBe(get("wake_s"));
    }
  });

  it("is honest that battery mode reports at most once per interval", () => {
    expect(README).toContain("**Battery mode reports at most once per interval.**");
  });
});
