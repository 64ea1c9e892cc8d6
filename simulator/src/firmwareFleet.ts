import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { EspruinoSandbox } from "../../firmware/sandbox/espruinoSandbox.js";
import { packageRoot } from "../../firmware/tools/bundle.js";
import { UserFacingError } from "../../gateway/src/errors.js";

export interface FirmwareNodeSpec {
  zone: string;
  spot: string;
  /** What the virtual HC-SR04 sees at this instant (asked once per ping); null = no echo. */
  distanceCm: () => number | null;
}

export interface FirmwareFleetOptions {
  /** Broker the nodes connect to: the firmware speaks MQTT 3.1.1 over TCP only. */
  host: string;
  port: number;
  username?: string;
  password?: string;
  topicRoot: string;
  /** Defaults: the firmware's own (2 s, 30 s). */
  intervalS?: number;
  heartbeatS?: number;
  /** Default: firmware/dist/parking-node.js of this package, from src/ and from dist/ alike. */
  bundlePath?: string;
  /** Each console line a node prints (its USB log), e.g. for a --verbose flag. */
  onConsole?: (zone: string, spot: string, line: string) => void;
  /** A node printed its first uncaught error. */
  onCrash?: (zone: string, spot: string, line: string) => void;
}

export type FirmwareBroker = { host: string; port: number; username?: string; password?: string };

/** The firmware's default wiring; the virtual HC-SR04 sits on the same pins. */
const PINS = { trigger: "D5", echo: "D18" };
/** Boots are this far apart, so a large fleet does not connect to the broker in one burst ... */
const BOOT_GAP_MS = 25;
/** ... but the whole fleet is up within this, however large. */
const BOOT_SPREAD_MAX_MS = 5_000;
/** What the firmware's settings accept as mqtt.host (firmware/src/core/settings.ts). */
const FIRMWARE_HOST = /^[A-Za-z0-9_.-]{1,253}$/;
const MAX_CREDENTIAL = 128;
/** Schemes mqtt.js knows that the firmware cannot speak. */
const SECURE_OR_WEBSOCKET = ["ws:", "wss:", "wx:", "wxs:", "mqtts:", "ssl:", "tls:", "ali:", "alis:"];

export function defaultBundlePath(): string {
  return join(packageRoot(), "firmware", "dist", "parking-node.js");
}

interface RunningNode {
  box: EspruinoSandbox;
  crashed: boolean;
}

/**
 * Firmware in the loop: each node is the real built bundle in its own EspruinoSandbox (the one
 * the firmware tests use), with `parking.json` pointing at the broker and a virtual HC-SR04
 * that asks the simulator what lies under the spot.
 */
export class FirmwareFleet {
  private readonly bundle: string;
  private readonly nodes: RunningNode[] = [];
  private readonly boots = new Set<ReturnType<typeof setTimeout>>();
  private crashes = 0;

  constructor(private readonly options: FirmwareFleetOptions) {
    const path = resolve(options.bundlePath ?? defaultBundlePath());
    if (!existsSync(path)) {
      const shown = relative(process.cwd(), path);
      const where = shown === "" || shown.startsWith("..") || isAbsolute(shown) ? path : shown;
      throw new UserFacingError(`--firmware needs the built firmware bundle (${where}); run npm run build.`);
    }
    this.bundle = readFileSync(path, "latin1");
  }

  /** Boots each node, spread over a moment; a node whose boot throws counts as crashed. */
  start(nodes: FirmwareNodeSpec[]): void {
    const gap = nodes.length > 0 ? Math.min(BOOT_GAP_MS, BOOT_SPREAD_MAX_MS / nodes.length) : 0;
    nodes.forEach((spec, i) => {
      const node = this.add(spec);
      const boot = setTimeout(
        () => {
          this.boots.delete(boot);
          try {
            node.box.boot();
          } catch {
            // The sandbox printed it as "Uncaught ...", which counted the crash.
          }
        },
        Math.round(i * gap),
      );
      this.boots.add(boot);
    });
  }

  /** Nodes running (booted or about to boot); 0 after stop(). */
  get size(): number {
    return this.nodes.length;
  }

  /** Nodes whose uncaught errors were printed (Espruino "Uncaught ..." lines). */
  get crashed(): number {
    return this.crashes;
  }

  /** Timers, watches, sockets and pending events of every node, and boots not yet run: 0 after stop(). */
  activeHandles(): number {
    let count = this.boots.size;
    for (const { box } of this.nodes) {
      const h = box.activeHandles();
      count += h.timers + h.watches + h.sockets + h.internal;
    }
    return count;
  }

  /** Stops every sandbox (timers, sockets): nothing stays scheduled. Safe to call twice. */
  stop(): void {
    for (const boot of this.boots) clearTimeout(boot);
    this.boots.clear();
    for (const { box } of this.nodes.splice(0)) box.stop();
  }

  private add(spec: FirmwareNodeSpec): RunningNode {
    const { zone, spot } = spec;
    const { onConsole, onCrash } = this.options;
    const node: RunningNode = {
      crashed: false,
      box: new EspruinoSandbox({
        storage: { ".bootcde": this.bundle, "parking.json": this.settings(zone, spot) },
        hcsr04: { trigger: PINS.trigger, echo: PINS.echo, distanceCm: () => spec.distanceCm() },
        console: (line) => {
          onConsole?.(zone, spot, line);
          if (!node.crashed && line.startsWith("Uncaught ")) {
            node.crashed = true;
            this.crashes++;
            onCrash?.(zone, spot, line);
          }
        },
      }),
    };
    this.nodes.push(node);
    return node;
  }

  /** `parking.json`: the firmware's own defaults for everything not given here. */
  private settings(zone: string, spot: string): string {
    const o = this.options;
    const settings: Record<string, unknown> = {
      zone,
      spot,
      // No ssid: the node uses the host's network through `net` directly.
      wifi: { ssid: "", password: "" },
      mqtt: { host: o.host, port: o.port, username: o.username ?? "", password: o.password ?? "" },
      pins: PINS,
      topic_root: o.topicRoot,
    };
    if (o.intervalS !== undefined) settings.interval_s = o.intervalS;
    if (o.heartbeatS !== undefined) settings.heartbeat_s = o.heartbeatS;
    return JSON.stringify(settings);
  }
}

/** The URL with its credentials hidden, for an error message. */
function redacted(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}

/**
 * Where the firmware nodes connect: mqtt://[user:pass@]host[:port] (tcp:// alike), port 1883 by
 * default. TLS and WebSocket URLs, and hosts the firmware's settings refuse, are a sentence
 * naming --mqtt-url.
 */
export function firmwareBroker(url: string): FirmwareBroker | string {
  const shown = redacted(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `--mqtt-url must look like mqtt://host:1883 for --firmware; got "${shown}".`;
  }
  if (SECURE_OR_WEBSOCKET.includes(parsed.protocol)) {
    return `--firmware needs an mqtt:// --mqtt-url: the firmware has no TLS or WebSocket; got "${shown}".`;
  }
  if (parsed.protocol !== "mqtt:" && parsed.protocol !== "tcp:") {
    return `--mqtt-url must look like mqtt://host:1883 for --firmware; got "${shown}".`;
  }
  const host = parsed.hostname;
  if (!FIRMWARE_HOST.test(host)) {
    return `--mqtt-url must name a host name or IPv4 address the firmware can reach for --firmware; got "${shown}".`;
  }
  const port = parsed.port === "" ? 1883 : Number(parsed.port);
  if (port < 1) return `--mqtt-url needs a port from 1 to 65535 for --firmware; got "${shown}".`;
  const broker: FirmwareBroker = { host, port };
  try {
    if (parsed.username !== "") broker.username = decodeURIComponent(parsed.username);
    if (parsed.password !== "") broker.password = decodeURIComponent(parsed.password);
  } catch {
    return `--mqtt-url has a badly escaped user name or password; got "${shown}".`;
  }
  if ((broker.username?.length ?? 0) > MAX_CREDENTIAL || (broker.password?.length ?? 0) > MAX_CREDENTIAL) {
    return `--mqtt-url user name and password must be at most ${MAX_CREDENTIAL} characters each for --firmware.`;
  }
  return broker;
}
