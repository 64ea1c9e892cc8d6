import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConfiguredMosquitto, startMosquittoWithConfig } from "../../testkit/mosquittoConfig.js";
import { REPO_ROOT } from "../../testkit/paths.js";
import { freePort } from "../../testkit/ports.js";
import { passwordFile } from "../src/passwords.js";
import { type ProductionBroker, startProductionBroker } from "./support/broker.js";
import { Clients, report, waitFor } from "./support/clients.js";

const SITE = "lyon-1";
const SITE_PASSWORD = "bridge-secret";

/** bridge.conf.example with the site id, a local central broker, and no TLS (the test's only change). */
function bridgeConfig(centralPort: number): string {
  let text = readFileSync(join(REPO_ROOT, "mosquitto", "bridge.conf.example"), "utf8");
  for (const [from, to] of [
    ["<site-id>", SITE],
    ["central.example.org:8883", `127.0.0.1:${centralPort}`],
    ["<password>", SITE_PASSWORD],
  ]) {
    expect(text).toContain(from);
    text = text.replaceAll(from as string, to as string);
  }
  const tls = /^bridge_(cafile|capath|insecure|tls_version) .*$/gm;
  expect(text.match(tls)).toHaveLength(3);
  return text.replace(tls, "");
}

describe("bridge.conf.example", () => {
  let central: ConfiguredMosquitto;
  let site: ProductionBroker;
  let centralHome: string;
  let centralPort: number;
  const clients = new Clients();

  beforeAll(async () => {
    centralHome = mkdtempSync(join(tmpdir(), "parking-central-"));
    centralPort = await freePort();
    writeFileSync(
      join(centralHome, "passwd"),
      passwordFile([
        { user: `site-${SITE}`, password: SITE_PASSWORD },
        { user: "central", password: "central-secret" },
      ]),
    );
    const conf = join(centralHome, "mosquitto.conf");
    writeFileSync(
      conf,
      [
        "per_listener_settings false",
        "allow_anonymous false",
        `password_file ${join(centralHome, "passwd")}`,
        `listener ${centralPort} 127.0.0.1`,
        `log_dest file ${join(centralHome, "mosquitto.log")}`,
        "",
      ].join("\n"),
    );
    central = await startMosquittoWithConfig(conf, {
      home: centralHome,
      ports: [centralPort],
      logFile: join(centralHome, "mosquitto.log"),
    });
    site = await startProductionBroker("Zone_A:place_1", {
      confD: { "bridge.conf": bridgeConfig(centralPort) },
    });
  });
  afterAll(async () => {
    await clients.closeAll();
    await site?.dispose();
    await central?.stop();
    rmSync(centralHome, { recursive: true, force: true });
  });

  it(`forwards a node's report to site/${SITE}/parking/... on the central broker`, async () => {
    const url = `mqtt://central:central-secret@127.0.0.1:${centralPort}`;
    const watch = await clients.subscriber(url, "site/#");
    const state = await waitFor(watch.received, `site/${SITE}/bridge/state`, 10_000);
    expect(state.payload).toBe("1");

    const node = await clients.connect(site.url("node-Zone_A-place_1"));
    await node.publishAsync("parking/Zone_A/place_1", report("occupied", 1), { qos: 1, retain: true });
    const forwarded = await waitFor(watch.received, `site/${SITE}/parking/Zone_A/place_1`);
    expect(forwarded.payload).toBe(report("occupied", 1));

    // Retained on the central broker too: a late subscriber there sees the spot's state.
    const late = await clients.subscriber(url, `site/${SITE}/parking/+/+`);
    const kept = await waitFor(late.received, `site/${SITE}/parking/Zone_A/place_1`);
    expect(kept).toMatchObject({ payload: report("occupied", 1), retain: true });
    // Only parking/# crosses: the bridge's own state is the one other topic there.
    expect(new Set(watch.received.map((m) => m.topic))).toEqual(
      new Set([`site/${SITE}/bridge/state`, `site/${SITE}/parking/Zone_A/place_1`]),
    );
  });
});
