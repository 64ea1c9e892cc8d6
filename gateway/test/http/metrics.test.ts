import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, getJson, startTestGateway, type TestGateway } from "../support/gateway.js";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const VALUE = "[-+]?(?:\\d+(?:\\.\\d*)?(?:[eE][-+]?\\d+)?|Inf)|NaN";
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? (${VALUE})(?: -?\\d+)?$`);
const COMMENT = new RegExp(
  `^# (?:HELP ${NAME} .*|TYPE ${NAME} (?:counter|gauge|histogram|summary|untyped))$`,
);

/** Prometheus text format 0.0.4, strictly: each line a comment or `name{labels} value`, samples under their TYPE. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  const families = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("#")) {
      expect(line, "a HELP or TYPE comment").toMatch(COMMENT);
      const [, kind, name, type] = line.split(" ");
      if (kind === "TYPE" && name && type) {
        expect(families.has(name), `one TYPE line for ${name}`).toBe(false);
        families.set(name, type);
      }
      continue;
    }
    const match = SAMPLE.exec(line);
    expect(match, `a sample line: ${line}`).not.toBeNull();
    const [, name = "", labelText = "", value = ""] = match ?? [];
    const family = families.has(name) ? name : name.replace(/_(bucket|sum|count)$/, "");
    expect(families.get(family), `a TYPE line before ${name}`).toBeDefined();
    const labels: Record<string, string> = {};
    for (const [, key = "", raw = ""] of labelText.matchAll(
      /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g,
    )) {
      labels[key] = raw.replace(/\\(.)/g, (_all, c: string) => (c === "n" ? "\n" : c));
    }
    samples.push({ name, labels, value: Number(value.replace("Inf", "Infinity")) });
  }
  return samples;
}

/** Debian's prometheus package brings promtool; without it the test fails and says so. */
function promtool(): string {
  for (const path of ["/usr/bin/promtool", "/usr/local/bin/promtool"]) if (existsSync(path)) return path;
  throw new Error("promtool is not installed: the metrics test needs it (apt-get install prometheus).");
}

function find(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find(
    (s) =>
      s.name === name &&
      Object.keys(s.labels).length === Object.keys(labels).length &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}

describe("GET /metrics", () => {
  let gateway: TestGateway;
  let node: MqttClient;

  beforeAll(async () => {
    gateway = await startTestGateway();
    node = await mqtt.connectAsync(gateway.mqttUrl, { clientId: "test-metrics-node" });
  });

  afterAll(async () => {
    await node?.endAsync();
    await gateway?.dispose();
  });

  it("exposes ingest, lot, store and link metrics in Prometheus text format", async () => {
    await node.publishAsync("parking/Zone_A/place_1", '{"status":"occupied","confidence":0.9,"seq":1}', {
      qos: 1,
    });
    await node.publishAsync("parking/Zone_A/place_2", "free please", { qos: 1 });

    const { text, samples } = await eventually(
      async () => {
        const response = await fetch(`${gateway.baseUrl}/metrics`);
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
        const text = await response.text();
        const samples = parseExposition(text);
        const done =
          find(samples, "parking_reports_accepted_total") === 1 &&
          find(samples, "parking_reports_rejected_total", { reason: "not_json" }) === 1;
        return done ? { text, samples } : undefined;
      },
      5_000,
      "the report and the rejection to be counted",
    );

    // The gateway's own retained topics (availability, summary, alerts) come back as ignored messages.
    const rejected = samples
      .filter((s) => s.name === "parking_reports_rejected_total")
      .reduce((sum, s) => sum + s.value, 0);
    expect(find(samples, "parking_reports_received_total")).toBe(
      1 + rejected + (find(samples, "parking_reports_ignored_total") ?? 0),
    );
    expect(text).toMatch(/^parking_reports_accepted_total 1$/m);
    expect(text).toMatch(/^parking_reports_rejected_total\{reason="not_json"\} 1$/m);
    expect(text).toMatch(/^parking_reports_rejected_total\{reason="oversize"\} 0$/m);
    expect(text).toMatch(/^parking_spots\{state="occupied"\} 1$/m);
    expect(text).toMatch(/^parking_spots\{state="free"\} 0$/m);
    expect(text).toMatch(/^parking_zone_spots\{zone="Zone_A",state="occupied"\} 1$/m);
    expect(text).toMatch(/^parking_occupancy_ratio 1$/m);
    expect(text).toMatch(/^parking_mqtt_connected 1$/m);
    expect(text).toMatch(/^# TYPE parking_store_commit_seconds histogram$/m);
    expect(find(samples, "parking_store_commit_seconds_count")).toBeGreaterThanOrEqual(1);
    expect(find(samples, "parking_store_commit_seconds_bucket", { le: "+Inf" })).toBe(
      find(samples, "parking_store_commit_seconds_count"),
    );
    expect(find(samples, "parking_process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(samples.every((s) => s.name.startsWith("parking_"))).toBe(true);
  });

  it("passes promtool check metrics, Prometheus's own linter", async () => {
    const response = await fetch(`${gateway.baseUrl}/metrics`);
    const body = await response.text();
    const check = spawnSync(promtool(), ["check", "metrics"], { input: body, encoding: "utf8" });
    expect(`${check.stdout}${check.stderr}`).toBe("");
    expect(check.status).toBe(0);
  });

  it("is listed in the OpenAPI document", async () => {
    const { body } = await getJson<{ paths: Record<string, unknown> }>(`${gateway.baseUrl}/docs/json`);
    expect(Object.keys(body.paths)).toContain("/metrics");
  });
});
