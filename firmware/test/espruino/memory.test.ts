import { beforeAll, describe, expect, it } from "vitest";
import { DISTRESS, ESP32_FREE_JSVARS, type EspruinoNode } from "../../../testkit/espruino.js";
import { type Broker, espruinoRig, spotSettings } from "./broker.js";

/**
 * The JsVar budget (firmware/README.md, "Memory"): every path works when only 2,000 JsVars are
 * free before the minified bundle loads, on the host build with an ESP32's JsVar format (14
 * bytes, 16,383 of them). An ESP32 with Wi-Fi and BLE has about that many free; a filler in
 * `.boot1` takes the rest. The host build keeps the bundle's code in Storage as an ESP32 does
 * (docs/espruino.md, "Memory"), so what is left counts the same things.
 */
const FREE_JSVARS_BEFORE_LOAD = ESP32_FREE_JSVARS;

const rig = espruinoRig();
let broker: Broker;

beforeAll(() => {
  broker = rig.broker();
});

function reports(spot: string): Array<Record<string, unknown>> {
  return broker.on(`parking/A/${spot}`).map((m) => JSON.parse(m.payload) as Record<string, unknown>);
}

function healthy(n: EspruinoNode): void {
  expect(n.lines.filter((l) => DISTRESS.test(l))).toEqual([]);
}

async function budgetNode(spot: string, extra: Record<string, unknown> = {}): Promise<EspruinoNode> {
  const n = await rig.node({
    build: "esp32vars",
    freeJsVars: FREE_JSVARS_BEFORE_LOAD,
    settings: spotSettings(broker, spot, extra),
    echo: 250,
  });
  // The filler says how many it left; more than asked means the test measures nothing.
  const free = Number((await n.waitForLine(/^HOST free \d+$/)).slice(10));
  expect(free).toBeLessThanOrEqual(FREE_JSVARS_BEFORE_LOAD);
  expect(free).toBeGreaterThan(FREE_JSVARS_BEFORE_LOAD - 20);
  return n;
}

describe(`the minified bundle with ${FREE_JSVARS_BEFORE_LOAD} JsVars free before it loads`, () => {
  it("boots, reports changes, takes a config, calibrates and reconnects", async () => {
    const n = await budgetNode("m1");
    await broker.waitFor("the boot report", () => reports("m1").length > 0);
    n.setEcho(120);
    await broker.waitFor("occupied", () => reports("m1").some((r) => r.status === "occupied"));
    n.setEcho(250);
    await broker.waitFor("free again", () => reports("m1").filter((r) => r.reason === "change").length === 2);
    await broker.publish(
      "parking/A/m1/config",
      JSON.stringify({ threshold_cm: 180, hysteresis_cm: 15, heartbeat_s: 60, pings: 7 }),
    );
    await n.waitForLine(/^Config applied and saved/);
    await broker.publish("parking/A/m1/config", JSON.stringify({ interval_s: "fast" }));
    await n.waitForLine(/^Config refused, nothing changed: /);
    await broker.publish("parking/A/m1/config", JSON.stringify({ calibrate: true }));
    const calibrated = await n.waitForLine(
      /^Calibrated: floor [\d.]+ cm, threshold_cm \d+, saved\.$/,
      30_000,
    );
    const threshold = Number(/threshold_cm (\d+)/.exec(calibrated)?.[1]);
    expect(threshold).toBeCloseTo(205, -1);
    await broker.waitFor("the new threshold", () => reports("m1").some((r) => r.threshold_cm === threshold));
    await broker.restart(300);
    const closed = n.lines.length;
    await n.waitForLine(/^MQTT: connected to /, 20_000, closed);
    const after = reports("m1").length;
    n.setEcho(120);
    await broker.waitFor("a change after the reconnect", () =>
      reports("m1")
        .slice(after)
        .some((r) => r.status === "occupied" && r.reason === "change"),
    );
    healthy(n);
  }, 90_000);

  it("runs a battery wake: one report, a clean disconnect, deep sleep", async () => {
    const n = await budgetNode("m2", { battery_mode: true, interval_s: 300 });
    await n.waitForLine(/^HOST deepSleep 300000000$/, 20_000);
    expect(reports("m2")).toHaveLength(1);
    healthy(n);
  });
});
