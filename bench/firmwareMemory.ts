import mqtt from "mqtt";
import { DISTRESS, type EspruinoNode, startNode } from "../testkit/espruino.js";
import type { Mosquitto } from "../testkit/mosquitto.js";

/**
 * The node's memory, measured on the interpreter: for each path, the fewest JsVars that must be
 * free before the minified bundle loads for that path to work, found by bisection on the
 * ESP32-format host build (firmware/README.md, "Memory"). A trial works when the path's console
 * line or MQTT message comes and Espruino says nothing of memory or of a dropped handler.
 */

export type MemoryPath = "boot" | "change" | "config" | "calibrate" | "reconnect" | "battery";

export const MEMORY_PATHS: MemoryPath[] = ["boot", "change", "config", "calibrate", "reconnect", "battery"];

export interface MemoryOptions {
  /** Bisection bounds and resolution, JsVars. */
  low: number;
  high: number;
  step: number;
}

export interface Broker {
  mosquitto: () => Mosquitto;
  restart: () => Promise<void>;
}

async function until(cond: () => boolean, n: EspruinoNode, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (n.lines.some((l) => DISTRESS.test(l))) return false;
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

const seen = (n: EspruinoNode, match: RegExp, from = 0): boolean =>
  n.lines.slice(from).some((l) => match.test(l));

/** One trial: does `path` work with `free` JsVars left before the bundle loads? */
export async function trial(path: MemoryPath, free: number, broker: Broker, spot: string): Promise<boolean> {
  const port = broker.mosquitto().port;
  const n = await startNode({
    build: "esp32vars",
    freeJsVars: free,
    settings: {
      zone: "M",
      spot,
      mqtt: { host: "127.0.0.1", port },
      interval_s: 1,
      ...(path === "battery" ? { battery_mode: true, interval_s: 60 } : {}),
    },
    echo: 250,
    lifetimeS: 60,
  });
  const publisher = await mqtt.connectAsync(broker.mosquitto().url, { reconnectPeriod: 0 });
  const config = (body: unknown): Promise<unknown> =>
    publisher.publishAsync(`parking/M/${spot}/config`, JSON.stringify(body), { qos: 1 });
  try {
    if (path === "battery") return await until(() => seen(n, /^HOST deepSleep /), n, 25_000);
    if (!(await until(() => seen(n, /^MQTT parking\/M\/\S+ \{.*"reason":"boot"/), n, 10_000))) return false;
    switch (path) {
      case "boot":
        // One more cycle after the boot report.
        await new Promise((r) => setTimeout(r, 1_500));
        return await until(() => true, n, 100);
      case "change":
        n.setEcho(120);
        return await until(() => seen(n, /"status":"occupied".*"reason":"change"/), n, 10_000);
      case "config":
        await config({ threshold_cm: 180, hysteresis_cm: 15, heartbeat_s: 60, pings: 7 });
        if (!(await until(() => seen(n, /^Config applied and saved/), n, 5_000))) return false;
        await config({ interval_s: "fast", pings: 99 });
        return await until(() => seen(n, /^Config refused, nothing changed/), n, 5_000);
      case "calibrate":
        await config({ calibrate: true });
        return await until(() => seen(n, /^Calibrated: /), n, 25_000);
      case "reconnect": {
        const from = n.lines.length;
        await broker.restart();
        if (!(await until(() => seen(n, /^MQTT: connected to /, from), n, 20_000))) return false;
        n.setEcho(120);
        return await until(() => seen(n, /"status":"occupied".*"reason":"change"/, from), n, 10_000);
      }
    }
  } finally {
    await publisher.endAsync(true);
    await n.dispose();
  }
}

/** The least free JsVars (to `step`) with which `path` works; null when even `high` fails. */
export async function minimumFree(
  path: MemoryPath,
  options: MemoryOptions,
  broker: Broker,
  spot: () => string,
): Promise<number | null> {
  if (!(await trial(path, options.high, broker, spot()))) return null;
  let works = options.high;
  let fails = options.low;
  while (works - fails > options.step) {
    const mid = Math.round((works + fails) / 2);
    if (await trial(path, mid, broker, spot())) works = mid;
    else fails = mid;
  }
  return works;
}
