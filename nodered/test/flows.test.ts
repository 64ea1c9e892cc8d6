import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { encodeAlerts, encodeReport, encodeSummary } from "../../protocol/src/encode.js";
import {
  alertsTopic,
  availabilityTopic,
  configTopic,
  gatewayAvailabilityTopic,
  reportTopic,
  subscriptionFilters,
  summaryTopic,
} from "../../protocol/src/topics.js";
import type { LotSummary } from "../../protocol/src/types.js";

/**
 * Node types that ship with Node-RED 4.x itself (no add-on), as registered by
 * `RED.nodes.registerType(...)` in node-red/node-red
 * packages/node_modules/@node-red/nodes/core/{common,function,network,parsers,sequence,storage}/*.js,
 * plus the flow structure types `tab` and `group`. The palette's "filter" node registers as `rbe`.
 * Checked against the registerType calls of node-red 4.1.15.
 */
const CORE_NODE_TYPES: readonly string[] = [
  // common
  "inject",
  "debug",
  "complete",
  "catch",
  "status",
  "link in",
  "link out",
  "link call",
  "comment",
  "unknown",
  "junction",
  "global-config",
  // function
  "function",
  "switch",
  "change",
  "range",
  "template",
  "delay",
  "trigger",
  "exec",
  "rbe",
  // network
  "mqtt in",
  "mqtt out",
  "mqtt-broker",
  "http in",
  "http response",
  "http request",
  "websocket in",
  "websocket out",
  "websocket-listener",
  "websocket-client",
  "tcp in",
  "tcp out",
  "tcp request",
  "udp in",
  "udp out",
  "tls-config",
  "http proxy",
  // sequence
  "split",
  "join",
  "sort",
  "batch",
  // parsers
  "csv",
  "html",
  "json",
  "xml",
  "yaml",
  // storage
  "file",
  "file in",
  "watch",
  // flow structure
  "tab",
  "group",
];

const ROOT = "parking";

interface FlowNode {
  id: string;
  type: string;
  z?: string;
  name?: string;
  wires?: string[][];
  [key: string]: unknown;
}

type Msg = Record<string, unknown>;

const flows: unknown = JSON.parse(readFileSync(new URL("../flows.json", import.meta.url), "utf8"));
const nodes = flows as FlowNode[];
const byId = new Map(nodes.map((n) => [n.id, n]));
const ofType = (type: string): FlowNode[] => nodes.filter((n) => n.type === type);
const tab = nodes.find((n) => n.type === "tab");
const brokers = ofType("mqtt-broker");

/** MQTT 3.1.1 topic filter matching (`+` one level, `#` the rest; `$` topics hidden from wildcards). */
function filterMatches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  if (topic.startsWith("$") && (f[0] === "+" || f[0] === "#")) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= t.length || (f[i] !== "+" && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

describe("flows.json structure", () => {
  it("is a Node-RED flow array with one tab", () => {
    expect(Array.isArray(flows)).toBe(true);
    expect(nodes.length).toBeGreaterThan(10);
    expect(ofType("tab")).toHaveLength(1);
  });

  it("uses only Node-RED core node types", () => {
    const foreign = nodes.filter((n) => !CORE_NODE_TYPES.includes(n.type)).map((n) => `${n.id} ${n.type}`);
    expect(foreign).toEqual([]);
  });

  it("gives every node a unique 16-hex-digit id", () => {
    for (const n of nodes) expect(n.id, `${n.type} ${n.name ?? ""}`).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(nodes.map((n) => n.id)).size).toBe(nodes.length);
  });

  it("puts every node on the tab", () => {
    const off = nodes.filter((n) => n.type !== "tab" && n.z !== tab?.id).map((n) => n.id);
    expect(off).toEqual([]);
  });

  it("wires only to nodes that exist and take input, one wire list per output", () => {
    for (const n of nodes) {
      if (n.wires === undefined) continue;
      if (n.type === "function") expect(n.wires.length, n.id).toBe(n.outputs);
      for (const target of n.wires.flat()) {
        const t = byId.get(target);
        expect(t, `${n.id} → ${target}`).toBeDefined();
        expect(["tab", "mqtt-broker", "mqtt in", "http in", "comment", "catch"]).not.toContain(t?.type);
      }
    }
  });

  it("points every mqtt node at the one broker config node", () => {
    expect(brokers).toHaveLength(1);
    const mqttNodes = nodes.filter((n) => n.type === "mqtt in" || n.type === "mqtt out");
    expect(mqttNodes.length).toBeGreaterThan(0);
    for (const n of mqttNodes) expect(n.broker, n.id).toBe(brokers[0]?.id);
  });

  it("defaults to localhost:1883 and carries no credentials", () => {
    const broker = brokers[0] as FlowNode;
    expect(broker.broker).toBe("localhost");
    expect(String(broker.port)).toBe("1883");
    expect(broker).not.toHaveProperty("credentials");
    for (const n of nodes) {
      const secretish = Object.keys(n).filter((k) =>
        /^(credentials|user|username|password|token|secret)$/i.test(k),
      );
      expect(secretish, n.id).toEqual([]);
    }
    expect(broker.userProps).toBe("");
  });

  it("serves the lot page at /parking with core http nodes", () => {
    const httpIn = ofType("http in");
    expect(httpIn.map((n) => [n.url, n.method])).toEqual([["/parking", "get"]]);
    expect(ofType("http response")).toHaveLength(1);
    expect(ofType("template")).toHaveLength(1);
  });

  it("shows its state with node.status() in every function, and explains itself in a comment", () => {
    const functions = ofType("function");
    expect(functions.length).toBeGreaterThanOrEqual(5);
    for (const f of functions) expect(String(f.func), f.name).toContain("node.status(");
    expect(ofType("comment").length).toBeGreaterThan(0);
    expect(ofType("debug").length).toBeGreaterThan(0);
  });
});

describe("flows.json and the MQTT contract", () => {
  const subscribed = ofType("mqtt in").map((n) => String(n.topic));
  const contractFilters = [summaryTopic(ROOT), alertsTopic(ROOT), ...subscriptionFilters(ROOT)];
  const contractTopics = [
    summaryTopic(ROOT),
    alertsTopic(ROOT),
    gatewayAvailabilityTopic(ROOT),
    reportTopic(ROOT, "Zone_A", "place_1"),
    reportTopic(ROOT, "b-2", "P9"),
    availabilityTopic(ROOT, "Zone_A", "place_1"),
  ];
  const outsideContract = [
    configTopic(ROOT, "Zone_A", "place_1"),
    "parking",
    "parking/Zone_A",
    "parking/Zone_A/place_1/status",
    "parking/Zone_A/place_1/availability/x",
    "other/Zone_A/place_1",
    "site/lyon/parking/Zone_A/place_1",
    "homeassistant/binary_sensor/parking_Zone_A_place_1/config",
    "$SYS/broker/uptime",
  ];

  it("matches MQTT filters as the broker does", () => {
    expect(filterMatches("parking/+/+", "parking/a/b")).toBe(true);
    expect(filterMatches("parking/+/+", "parking/a")).toBe(false);
    expect(filterMatches("parking/+/+", "parking/a/b/c")).toBe(false);
    expect(filterMatches("parking/#", "parking/a/b/c")).toBe(true);
    expect(filterMatches("#", "$SYS/x")).toBe(false);
  });

  it("subscribes only to the contract's topics and filters", () => {
    for (const topic of subscribed) expect(contractFilters).toContain(topic);
    expect([...subscribed].sort()).toEqual([...contractFilters].sort());
  });

  it("hears every contract topic it reads", () => {
    for (const topic of contractTopics) {
      expect(
        subscribed.some((f) => filterMatches(f, topic)),
        topic,
      ).toBe(true);
    }
  });

  it("hears nothing outside the contract's summary, alerts, reports and availability", () => {
    for (const topic of outsideContract) {
      expect(
        subscribed.filter((f) => filterMatches(f, topic)),
        topic,
      ).toEqual([]);
    }
  });

  it("never publishes: no mqtt out into the root, no birth, close or will message", () => {
    const publishing = ofType("mqtt out").filter((n) => n.topic === "" || String(n.topic).startsWith(ROOT));
    expect(publishing.map((n) => n.id)).toEqual([]);
    for (const b of brokers) {
      expect([b.birthTopic, b.closeTopic, b.willTopic]).toEqual(["", "", ""]);
    }
  });
});

// ---- a tiny Node-RED: routes messages through the flow's own wires and runs its functions ----

class Store {
  readonly values = new Map<string, unknown>();
  get(key: string): unknown {
    return this.values.get(key);
  }
  set(key: string, value: unknown): void {
    this.values.set(key, value);
  }
}

type FunctionBody = (msg: Msg, node: unknown, context: Store, flow: Store, global: Store) => unknown;

class FlowRun {
  readonly flow = new Store();
  readonly global = new Store();
  readonly contexts = new Map<string, Store>();
  readonly status = new Map<string, { text?: string }>();
  readonly warnings: string[] = [];
  readonly errors: string[] = [];
  /** Messages that reached each debug node and the http response. */
  readonly received = new Map<string, Msg[]>();
  private readonly compiled = new Map<string, FunctionBody>();

  /** What the broker would hand to each mqtt in node whose filter matches. */
  publish(topic: string, payload: string): void {
    for (const n of ofType("mqtt in")) {
      if (filterMatches(String(n.topic), topic)) this.send(n, [{ topic, payload, qos: 1, retain: true }]);
    }
  }

  /** GET /parking: the page the http response node would send. */
  getPage(): { view: Record<string, unknown>; html: string } {
    const httpIn = ofType("http in")[0] as FlowNode;
    this.send(httpIn, [{ req: { method: "GET", url: httpIn.url }, res: {}, payload: {} }]);
    const response = ofType("http response")[0] as FlowNode;
    const sent = this.received.get(response.id) ?? [];
    expect(sent).toHaveLength(1);
    const msg = sent[0] as Msg;
    this.received.delete(response.id);
    return { view: msg.view as Record<string, unknown>, html: String(msg.payload) };
  }

  spots(): Record<string, Record<string, unknown>> {
    return (this.flow.get("spots") ?? {}) as Record<string, Record<string, unknown>>;
  }

  /** Node-RED's send: one entry per output, each a message, an array of messages, or null. */
  private send(from: FlowNode, outputs: (Msg | Msg[] | null | undefined)[]): void {
    (from.wires ?? []).forEach((targets, port) => {
      const out = outputs[port];
      if (out === null || out === undefined) return;
      for (const m of Array.isArray(out) ? out : [out]) {
        for (const target of targets) this.deliver(target, structuredClone(m));
      }
    });
  }

  private fail(n: FlowNode, error: string, msg: Msg): void {
    this.errors.push(`${n.name}: ${error}`);
    for (const c of ofType("catch"))
      this.send(c, [{ ...msg, error: { message: error, source: { id: n.id } } }]);
  }

  private deliver(id: string, msg: Msg): void {
    const n = byId.get(id) as FlowNode;
    switch (n.type) {
      case "function":
        this.runFunction(n, msg);
        break;
      case "json":
        this.runJson(n, msg);
        break;
      case "template":
        this.send(n, [{ ...msg, view: msg.payload, payload: renderMustache(String(n.template), msg) }]);
        break;
      case "debug":
      case "http response":
        this.received.set(id, [...(this.received.get(id) ?? []), msg]);
        break;
      default:
        throw new Error(`the test runtime does not model ${n.type} nodes`);
    }
  }

  /** The json node set to "always convert to a JavaScript object": bad JSON is an error, not a message. */
  private runJson(n: FlowNode, msg: Msg): void {
    if (typeof msg.payload === "string") {
      try {
        msg.payload = JSON.parse(msg.payload);
      } catch (e) {
        this.fail(n, String(e), msg);
        return;
      }
    }
    this.send(n, [msg]);
  }

  private runFunction(n: FlowNode, msg: Msg): void {
    let body = this.compiled.get(n.id);
    if (body === undefined) {
      body = new Function("msg", "node", "context", "flow", "global", String(n.func)) as FunctionBody;
      this.compiled.set(n.id, body);
    }
    let context = this.contexts.get(n.id);
    if (context === undefined) {
      context = new Store();
      this.contexts.set(n.id, context);
    }
    const node = {
      id: n.id,
      name: n.name,
      status: (s: { text?: string }) => this.status.set(n.id, s),
      warn: (text: unknown) => this.warnings.push(`${n.name}: ${String(text)}`),
      error: (text: unknown) => this.fail(n, String(text), msg),
      log: () => {},
      send: (out: Msg | (Msg | null)[]) => this.send(n, Array.isArray(out) ? out : [out]),
    };
    let result: unknown;
    try {
      result = body(msg, node, context, this.flow, this.global);
    } catch (e) {
      this.fail(n, String(e), msg);
      return;
    }
    if (result === null || result === undefined) return;
    this.send(n, Array.isArray(result) ? (result as (Msg | null)[]) : [result as Msg]);
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`=/]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The mustache the template node runs, enough of it for the page; an unknown name throws. */
function renderMustache(template: string, view: Msg): string {
  const lookup = (stack: unknown[], name: string): unknown => {
    const parts = name.split(".");
    for (let i = stack.length - 1; i >= 0; i--) {
      const top = stack[i];
      if (top === null || typeof top !== "object" || !((parts[0] as string) in top)) continue;
      let value: unknown = top;
      for (const part of parts) value = (value as Record<string, unknown> | undefined)?.[part];
      if (value === undefined) throw new Error(`template: {{${name}}} is undefined`);
      return value;
    }
    throw new Error(`template: {{${name}}} is not in the view`);
  };
  const render = (text: string, stack: unknown[]): string => {
    const tag = /\{\{\s*([#^/]?)\s*([\w.]+)\s*\}\}/g;
    let out = "";
    let at = 0;
    for (;;) {
      tag.lastIndex = at;
      const m = tag.exec(text);
      if (m === null) return out + text.slice(at);
      out += text.slice(at, m.index);
      const kind = m[1] as string;
      const name = m[2] as string;
      const after = m.index + m[0].length;
      if (kind === "/") throw new Error(`template: {{/${name}}} closes nothing`);
      const value = lookup(stack, name);
      if (kind === "") {
        out += value === null ? "" : escapeHtml(String(value));
        at = after;
        continue;
      }
      const close = text.indexOf(`{{/${name}}}`, after);
      if (close < 0) throw new Error(`template: {{${kind}${name}}} is never closed`);
      const inner = text.slice(after, close);
      const truthy = Array.isArray(value) ? value.length > 0 : Boolean(value);
      if (kind === "^") {
        if (!truthy) out += render(inner, stack);
      } else if (Array.isArray(value)) {
        for (const item of value) out += render(inner, [...stack, item]);
      } else if (truthy) {
        out += render(inner, typeof value === "object" ? [...stack, value] : stack);
      }
      at = close + `{{/${name}}}`.length;
    }
  };
  return render(template, [view]);
}

const T0 = Date.parse("2025-03-01T10:00:00.000Z");

function summary(): LotSummary {
  const counts = {
    total: 2,
    free: 1,
    occupied: 1,
    offline: 0,
    unknown: 0,
    occupancyRate: 50,
    level: "normal" as const,
  };
  return {
    ...counts,
    total: 3,
    unknown: 1,
    timestamp: T0,
    zones: {
      Zone_A: counts,
      Zone_B: { total: 1, free: 0, occupied: 0, offline: 0, unknown: 1, occupancyRate: 0, level: "normal" },
    },
  };
}

function row(view: Record<string, unknown>, zone: string, spot: string): Record<string, unknown> | undefined {
  return (view.spots as Record<string, unknown>[]).find((r) => r.zone === zone && r.spot === spot);
}

describe("flows.json function nodes, run on contract messages", () => {
  let run: FlowRun;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T0);
    run = new FlowRun();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("builds the lot table and the page from a summary and spot reports", () => {
    run.publish(gatewayAvailabilityTopic(ROOT), "online");
    run.publish(summaryTopic(ROOT), encodeSummary(summary()));
    run.publish(
      alertsTopic(ROOT),
      encodeAlerts({ timestamp: T0, level: "high", occupancyRate: 75, zones: {} }),
    );
    run.publish(
      reportTopic(ROOT, "Zone_A", "P1"),
      encodeReport({ status: "free", confidence: 0.93, distanceCm: 182 }),
    );
    run.publish(reportTopic(ROOT, "Zone_A", "P2"), encodeReport({ status: "occupied", confidence: 0.88 }));
    run.publish(
      reportTopic(ROOT, "Zone_B", "P1"),
      encodeReport({ status: "unknown", confidence: 0.2 }, { zone: "Zone_B" }),
    );
    run.publish(availabilityTopic(ROOT, "Zone_A", "P1"), "online");

    expect(run.errors).toEqual([]);
    expect(run.warnings).toEqual([]);
    expect(run.flow.get("gateway")).toBe("online");
    expect(run.flow.get("summary")).toMatchObject({ total_places: 3, free: 1, occupied: 1 });
    expect(run.flow.get("alerts")).toMatchObject({ level: "high" });
    expect(run.spots()).toEqual({
      "Zone_A/P1": {
        zone: "Zone_A",
        spot: "P1",
        status: "free",
        confidence: 0.93,
        distance_cm: 182,
        availability: "online",
        lastSeen: T0,
      },
      "Zone_A/P2": {
        zone: "Zone_A",
        spot: "P2",
        status: "occupied",
        confidence: 0.88,
        distance_cm: null,
        availability: null,
        lastSeen: T0,
      },
      "Zone_B/P1": {
        zone: "Zone_B",
        spot: "P1",
        status: "unknown",
        confidence: 0.2,
        distance_cm: null,
        availability: null,
        lastSeen: T0,
      },
    });

    const { view, html } = run.getPage();
    expect(view.gateway).toBe("online");
    expect(view.level).toBe("high");
    expect(view.totals).toEqual({
      total: 3,
      free: 1,
      occupied: 1,
      offline: 0,
      unknown: 1,
      occupancy_rate: 50,
      level: "normal",
    });
    expect((view.zones as { zone: string }[]).map((z) => z.zone)).toEqual(["Zone_A", "Zone_B"]);
    expect(row(view, "Zone_A", "P1")).toMatchObject({ state: "free", confidence: "0.93", distance: "182" });
    expect(row(view, "Zone_A", "P2")).toMatchObject({ state: "occupied", distance: "-" });
    expect(html).toContain('<tr class="free"><td>Zone_A</td><td>P1</td><td>free</td><td>0.93</td>');
    expect(html).toContain('<tr class="occupied"><td>Zone_A</td><td>P2</td>');
    expect(html).toContain("<td>Zone_B</td><td>1</td><td>0</td><td>0</td><td>0</td><td>1</td><td>0 %</td>");
    expect(html).toContain('http-equiv="refresh"');
    expect(html).not.toContain("No spot has reported yet");
    expect(run.status.get(ofType("function").find((f) => f.name === "summary → lot")?.id ?? "")?.text).toBe(
      "1 free of 3, 50 % (normal)",
    );
  });

  it("ignores the reserved zones summary, alerts and gateway", () => {
    const report = encodeReport({ status: "free", confidence: 1 });
    run.publish(`${ROOT}/summary/P1`, report);
    run.publish(`${ROOT}/alerts/P1`, report);
    run.publish(`${ROOT}/gateway/P1`, report);
    run.publish(`${ROOT}/summary/P1/availability`, "online");
    run.publish(`${ROOT}/gateway/P1/availability`, "offline");
    run.publish(`${ROOT}/alerts/P1/availability`, "online");
    run.publish(reportTopic(ROOT, "Zone_A", "P1"), report);

    expect(Object.keys(run.spots())).toEqual(["Zone_A/P1"]);
    expect(run.flow.get("ignored")).toBe(6);
    expect(run.flow.get("gateway")).toBeUndefined();
    expect(run.errors).toEqual([]);
    const { view, html } = run.getPage();
    expect((view.spots as unknown[]).length).toBe(1);
    expect(html).not.toMatch(/<td>(summary|alerts|gateway)<\/td>/);
  });

  it("routes the gateway's availability apart from spot reports", () => {
    run.publish(gatewayAvailabilityTopic(ROOT), "offline");
    expect(run.flow.get("gateway")).toBe("offline");
    expect(run.spots()).toEqual({});
    const gatewayDebug = ofType("debug").find((d) => d.name === "gateway availability") as FlowNode;
    expect(run.received.get(gatewayDebug.id)?.map((m) => m.payload)).toEqual(["offline"]);
    expect(run.getPage().html).toContain("Gateway offline.");
  });

  it("skips payloads that break the contract without storing them", () => {
    run.publish(reportTopic(ROOT, "Zone_A", "P1"), "not json");
    run.publish(reportTopic(ROOT, "Zone_A", "P2"), JSON.stringify({ status: "parked", confidence: 1 }));
    run.publish(reportTopic(ROOT, "Zone_A", "P3"), JSON.stringify({ status: "free", confidence: 2 }));
    run.publish(
      reportTopic(ROOT, "Zone_A", "P4"),
      JSON.stringify({ status: "free", confidence: 1, zone: "B" }),
    );
    run.publish(availabilityTopic(ROOT, "Zone_A", "P5"), "maybe");
    run.publish(summaryTopic(ROOT), JSON.stringify([1, 2]));

    expect(run.spots()).toEqual({});
    expect(run.flow.get("summary")).toBeUndefined();
    expect(run.errors).toHaveLength(1);
    expect(run.warnings).toHaveLength(5);
    const errorsDebug = ofType("debug").find((d) => d.name === "errors") as FlowNode;
    expect(run.received.get(errorsDebug.id)).toHaveLength(1);
  });

  it("counts the lot itself until a summary arrives: offline and stale spots are never free", () => {
    const free = encodeReport({ status: "free", confidence: 0.9 });
    run.publish(
      alertsTopic(ROOT),
      encodeAlerts({
        timestamp: T0,
        level: "normal",
        occupancyRate: 50,
        zones: { Zone_A: { level: "critical", occupancyRate: 90 } },
      }),
    );
    run.publish(reportTopic(ROOT, "Zone_A", "P1"), free);
    run.publish(reportTopic(ROOT, "Zone_A", "P2"), encodeReport({ status: "occupied", confidence: 0.9 }));
    run.publish(reportTopic(ROOT, "Zone_A", "P3"), free);
    run.publish(availabilityTopic(ROOT, "Zone_A", "P3"), "offline");
    run.publish(reportTopic(ROOT, "Zone_B", "P1"), free);

    let { view } = run.getPage();
    expect(view.source).toContain("this flow's spot table");
    expect(view.totals).toEqual({
      total: 4,
      free: 2,
      occupied: 1,
      offline: 1,
      unknown: 0,
      occupancy_rate: 33.3,
      level: "normal",
    });
    expect((view.zones as Record<string, unknown>[])[0]).toEqual({
      zone: "Zone_A",
      total: 3,
      free: 1,
      occupied: 1,
      offline: 1,
      unknown: 0,
      occupancy_rate: 50,
      level: "critical",
    });

    vi.setSystemTime(T0 + 60_000);
    run.publish(reportTopic(ROOT, "Zone_A", "P1"), free);
    vi.setSystemTime(T0 + 91_000);
    ({ view } = run.getPage());
    expect(view.totals).toMatchObject({ total: 4, free: 1, occupied: 0, offline: 3 });
    expect(row(view, "Zone_A", "P1")).toMatchObject({ state: "free", heard: "31 s ago" });
    expect(row(view, "Zone_B", "P1")).toMatchObject({ state: "offline" });
  });

  it("shows an empty lot before anything arrives", () => {
    const { view, html } = run.getPage();
    expect(view.hasSpots).toBe(false);
    expect(view.gateway).toBe("unknown");
    expect(html).toContain("No spot has reported yet.");
    expect(html).toContain("No zone yet.");
  });
});
