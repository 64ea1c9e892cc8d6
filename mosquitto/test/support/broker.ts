import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ConfiguredMosquitto, startMosquittoWithConfig } from "../../../testkit/mosquittoConfig.js";
import { REPO_ROOT } from "../../../testkit/paths.js";
import { freePort } from "../../../testkit/ports.js";
import { parseCredentialsCsv } from "../../src/users.js";
import { makeCerts, type TestCerts } from "./certs.js";

export interface Ports {
  mqtt: number;
  tls: number;
  ws: number;
}

/** A real Mosquitto on mosquitto/mosquitto.conf, with users from the built `parking mqtt-users`. */
export interface ProductionBroker extends ConfiguredMosquitto {
  ports: Ports;
  home: string;
  certs: TestCerts;
  /** The generated password of a user (from credentials.csv). */
  password(user: string): string;
  /** `scheme://user:password@127.0.0.1:port` on the listener of that scheme. */
  url(user: string, scheme?: "mqtt" | "mqtts" | "ws"): string;
  /** Stops Mosquitto and removes its folder. */
  dispose(): Promise<void>;
}

/** Runs the built CLI; the vitest global setup compiled dist/ from the source. */
export function parking(...args: string[]) {
  return spawnSync(process.execPath, [join(REPO_ROOT, "dist/cli/main.js"), ...args], { encoding: "utf8" });
}

/**
 * The production config, with every path moved into `home` and every listener onto a free port
 * on 127.0.0.1. Fails when the config names a path or listener this does not know, so the test
 * cannot silently run a different config.
 */
export function testConfig(text: string, home: string, ports: Ports): string {
  const replacements: [string, string][] = [
    ["listener 1883\n", `listener ${ports.mqtt} 127.0.0.1\n`],
    ["listener 8883\n", `listener ${ports.tls} 127.0.0.1\n`],
    ["listener 9001\n", `listener ${ports.ws} 127.0.0.1\n`],
    ["/etc/mosquitto/certs/", `${home}/certs/`],
    ["/etc/mosquitto/passwd", `${home}/users/passwd`],
    ["/etc/mosquitto/acl", `${home}/users/acl`],
    ["/etc/mosquitto/conf.d", `${home}/conf.d`],
    ["/var/lib/mosquitto/", `${home}/persist/`],
    ["/var/log/mosquitto/mosquitto.log", `${home}/mosquitto.log`],
    ["/run/mosquitto/mosquitto.pid", `${home}/mosquitto.pid`],
  ];
  let result = text;
  for (const [from, to] of replacements) {
    if (!result.includes(from))
      throw new Error(`mosquitto.conf no longer has "${from.trim()}": update this test.`);
    result = result.replaceAll(from, to);
  }
  for (const line of result.split("\n")) {
    if (line.startsWith("#")) continue;
    if (/(^|\s)\/(etc|var|run|usr)\//.test(line) || /^listener \d+\s*$/.test(line)) {
      throw new Error(`mosquitto.conf line "${line}" is not rewritten for the test: update this test.`);
    }
  }
  return result;
}

export async function startProductionBroker(
  spots: string,
  options: { topicRoot?: string; confD?: Record<string, string> } = {},
): Promise<ProductionBroker> {
  const home = mkdtempSync(join(tmpdir(), "parking-mosquitto-"));
  try {
    const run = parking(
      "mqtt-users",
      "--spots",
      spots,
      "--out",
      join(home, "users"),
      ...(options.topicRoot === undefined ? [] : ["--topic-root", options.topicRoot]),
    );
    if (run.status !== 0) throw new Error(`parking mqtt-users failed: ${run.stderr}`);
    const passwords = parseCredentialsCsv(readFileSync(join(home, "users", "credentials.csv"), "utf8"));
    const certs = makeCerts(join(home, "certs"));
    mkdirSync(join(home, "persist"));
    mkdirSync(join(home, "conf.d"));
    copyFileSync(
      join(REPO_ROOT, "mosquitto", "gateway-session.conf"),
      join(home, "conf.d", "gateway-session.conf"),
    );
    for (const [name, text] of Object.entries(options.confD ?? {}))
      writeFileSync(join(home, "conf.d", name), text);
    const ports = { mqtt: await freePort(), tls: await freePort(), ws: await freePort() };
    const conf = join(home, "mosquitto.conf");
    writeFileSync(
      conf,
      testConfig(readFileSync(join(REPO_ROOT, "mosquitto", "mosquitto.conf"), "utf8"), home, ports),
    );
    const broker = await startMosquittoWithConfig(conf, {
      home,
      ports: [ports.mqtt, ports.tls, ports.ws],
      logFile: join(home, "mosquitto.log"),
    });
    const password = (user: string): string => {
      const pw = passwords.get(user);
      if (pw === undefined) throw new Error(`no user ${user} in credentials.csv`);
      return pw;
    };
    return {
      ...broker,
      ports,
      home,
      certs,
      password,
      url: (user, scheme = "mqtt") => {
        const port = scheme === "mqtt" ? ports.mqtt : scheme === "mqtts" ? ports.tls : ports.ws;
        return `${scheme}://${encodeURIComponent(user)}:${encodeURIComponent(password(user))}@127.0.0.1:${port}`;
      },
      async dispose() {
        await broker.stop();
        rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
}
