import { rmSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IngestCounters } from "../../src/ingest/counters.js";
import { MqttLink } from "../../src/ingest/mqttLink.js";
import { StoreWriter } from "../../src/ingest/writer.js";
import { LiveHub } from "../../src/live/hub.js";
import { Lot } from "../../src/lot/lot.js";
import { checkHealth } from "../../src/services/health.js";
import { openStore } from "../../src/store/index.js";
import type { Store, WriteBatch } from "../../src/store/types.js";
import { makeSpot } from "../lot/fixtures.js";
import { tempDir } from "../support/gateway.js";

const silent = pino({ level: "silent" });

describe("checkHealth while commits fail", () => {
  let dir: string;
  let store: Store;

  beforeEach(async () => {
    dir = tempDir("parking-health-");
    store = await openStore(join(dir, "p.db"));
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("is degraded with the reason in words, and ok again once a commit succeeds", async () => {
    let failing = true;
    // The real store, whose commits fail as on a read-only file system while `failing`.
    const readOnly = Object.create(store) as Store;
    readOnly.commit = async (batch: WriteBatch) => {
      if (failing)
        throw Object.assign(new Error("attempt to write a readonly database"), { code: "SQLITE_READONLY" });
      return store.commit(batch);
    };
    const writer = new StoreWriter(readOnly, silent, { retryMs: 10, maxRetryMs: 10 });
    // Never started: a link that is not connected, as when the broker is down.
    const link = new MqttLink({
      url: "mqtt://127.0.0.1:1",
      clientId: "health-test",
      filters: ["parking/+/+"],
      will: { topic: "parking/gateway/availability", payload: "offline" },
      birth: { topic: "parking/gateway/availability", payload: "online" },
      protocolVersion: 4,
      receiveMaximum: 10,
      logger: silent,
    });
    const sources = {
      startedAt: Date.now(),
      store,
      writer,
      link,
      mqttUrl: "mqtt://127.0.0.1:1",
      embeddedBroker: false,
      counters: new IngestCounters(),
      hub: new LiveHub(),
      serialLinks: [],
      lot: new Lot(),
    };
    writer.add({ spot: makeSpot() }, () => {});
    await new Promise((r) => setTimeout(r, 50));

    const down = await checkHealth(sources);
    expect(down.status).toBe("degraded");
    expect(down.reasons).toEqual([
      "Commits to the database fail (read-only file or file system): 1 message waits unacknowledged, retried until stored.",
      "The MQTT broker mqtt://127.0.0.1:1 is unreachable: reconnecting every second.",
    ]);
    expect(down.store_writer).toMatchObject({ waiting: 1, last_error: "read-only file or file system" });
    expect(typeof (down.store_writer as { failing_since: unknown }).failing_since).toBe("string");

    failing = false;
    await writer.flush();
    const back = await checkHealth(sources);
    expect(back.reasons).toEqual([
      "The MQTT broker mqtt://127.0.0.1:1 is unreachable: reconnecting every second.",
    ]);
    expect(back.store_writer).toMatchObject({ waiting: 0, last_error: null, failing_since: null });
  });
});
