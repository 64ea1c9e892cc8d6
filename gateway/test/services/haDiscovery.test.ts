import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayBus } from "../../src/bus.js";
import type { WatchHandler } from "../../src/ingest/mqttLink.js";
import { spotDiscovery, zoneDiscovery } from "../../src/integrations/homeAssistant.js";
import { Lot } from "../../src/lot/lot.js";
import { applyReport } from "../../src/lot/spots.js";
import { HaDiscovery } from "../../src/services/haDiscovery.js";

const names = { prefix: "homeassistant", topicRoot: "parking", expireAfterS: 90 };
const CONFIG_FILTER = "homeassistant/+/parking_parking/+/config";

/** The link's publish and watch, recorded; `deliver` plays a message the broker would send. */
class FakeLink {
  published: Array<{ topic: string; payload: string }> = [];
  readonly watches = new Map<string, WatchHandler>();
  readonly unwatched: string[] = [];

  publish(topic: string, payload: string, retain = true): void {
    expect(retain).toBe(true);
    this.published.push({ topic, payload });
  }

  watch(filter: string, handler: WatchHandler): Promise<void> {
    this.watches.set(filter, handler);
    return Promise.resolve();
  }

  unwatch(filter: string): void {
    this.watches.delete(filter);
    this.unwatched.push(filter);
  }

  deliver(filter: string, topic: string, payload: string, retained: boolean): void {
    const handler = this.watches.get(filter);
    if (!handler) throw new Error(`nothing watches ${filter}`);
    handler(topic, Buffer.from(payload), retained);
  }

  topics(): string[] {
    return this.published.map((p) => p.topic);
  }
}

function addSpot(lot: Lot, zone: string, spot: string): void {
  const result = applyReport(undefined, zone, spot, { status: "free", confidence: 1 }, Date.now(), "mqtt");
  lot.set(result.spot);
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

describe("HaDiscovery", () => {
  let service: HaDiscovery | null = null;

  afterEach(() => service?.stop());

  function start(lot: Lot, link: FakeLink, bus = new GatewayBus()): HaDiscovery {
    service = new HaDiscovery({ bus, link, lot, names, logger: pino({ level: "silent" }), settleMs: 10 });
    service.start();
    return service;
  }

  it("announces the lot, each zone and each spot the lot knows at start", () => {
    const lot = new Lot();
    addSpot(lot, "Zone_A", "place_1");
    addSpot(lot, "Zone_A", "place_2");
    addSpot(lot, "Zone_B", "place_1");
    const link = new FakeLink();
    start(lot, link);
    expect(link.topics().sort()).toEqual(
      [
        "homeassistant/sensor/parking_parking/free/config",
        "homeassistant/sensor/parking_parking/occupancy_rate/config",
        "homeassistant/sensor/parking_parking/Zone_A_free/config",
        "homeassistant/sensor/parking_parking/Zone_B_free/config",
        "homeassistant/binary_sensor/parking_parking/Zone_A_place_1/config",
        "homeassistant/binary_sensor/parking_parking/Zone_A_place_2/config",
        "homeassistant/binary_sensor/parking_parking/Zone_B_place_1/config",
      ].sort(),
    );
    const spot = link.published.find((p) => p.topic.endsWith("/Zone_A_place_1/config"));
    expect(JSON.parse(spot?.payload ?? "{}")).toEqual(spotDiscovery(names, "Zone_A", "place_1").config);
  });

  it("announces a spot when it first appears, with its zone the first time", () => {
    const lot = new Lot();
    const bus = new GatewayBus();
    const link = new FakeLink();
    start(lot, link, bus);
    link.published = [];
    const first = applyReport(undefined, "Zone_C", "p1", { status: "occupied", confidence: 0.9 }, 1, "mqtt");
    lot.set(first.spot);
    if (first.outcome !== "accepted" || !first.change) throw new Error("a first report is a change");
    bus.emit("spotChanged", { event: first.change, spot: first.spot });
    expect(link.topics()).toEqual([
      "homeassistant/sensor/parking_parking/Zone_C_free/config",
      "homeassistant/binary_sensor/parking_parking/Zone_C_p1/config",
    ]);
    link.published = [];
    const next = applyReport(first.spot, "Zone_C", "p1", { status: "free", confidence: 0.9 }, 2, "mqtt");
    if (next.outcome !== "accepted" || !next.change) throw new Error("free after occupied is a change");
    bus.emit("spotChanged", { event: next.change, spot: next.spot });
    expect(link.topics()).toEqual([]);
  });

  it("announces everything again when Home Assistant comes online, not for an old retained birth", () => {
    const lot = new Lot();
    addSpot(lot, "Zone_A", "place_1");
    const link = new FakeLink();
    start(lot, link);
    link.published = [];
    link.deliver("homeassistant/status", "homeassistant/status", "online", true);
    link.deliver("homeassistant/status", "homeassistant/status", "offline", false);
    expect(link.published).toEqual([]);
    link.deliver("homeassistant/status", "homeassistant/status", "online", false);
    expect(link.topics()).toHaveLength(4);
  });

  it("empties retained configs of spots the gateway no longer knows, and only those", async () => {
    const lot = new Lot();
    addSpot(lot, "Zone_A", "place_1");
    const link = new FakeLink();
    start(lot, link);
    const own = (object: string, component = "binary_sensor") =>
      `homeassistant/${component}/parking_parking/${object}/config`;
    link.deliver(CONFIG_FILTER, own("Zone_A_place_1"), "{}", true);
    link.deliver(CONFIG_FILTER, own("free", "sensor"), "{}", true);
    link.deliver(CONFIG_FILTER, own("Zone_A_gone"), "{}", true);
    link.deliver(CONFIG_FILTER, own("Zone_Z_free", "sensor"), "{}", true);
    // Already empty, or our own fresh publish echoed live: nothing to remove.
    link.deliver(CONFIG_FILTER, own("Zone_A_empty"), "", true);
    link.deliver(CONFIG_FILTER, own("Zone_A_live"), "{}", false);
    // A node whose retained report arrives during the window keeps its entity.
    link.deliver(CONFIG_FILTER, own("Zone_A_back"), "{}", true);
    addSpot(lot, "Zone_A", "back");
    link.published = [];
    await settle();
    expect(link.published).toEqual([
      { topic: own("Zone_A_gone"), payload: "" },
      { topic: own("Zone_Z_free", "sensor"), payload: "" },
    ]);
    expect(link.unwatched).toContain(CONFIG_FILTER);
  });

  it("announces only the first of two spots whose ids join alike", () => {
    const lot = new Lot();
    addSpot(lot, "A_b", "c");
    addSpot(lot, "A", "b_c");
    const link = new FakeLink();
    start(lot, link);
    const spots = link.published.filter((p) => p.topic.includes("/binary_sensor/"));
    expect(spots).toHaveLength(1);
    expect(JSON.parse(spots[0]?.payload ?? "{}").state_topic).toBe("parking/A_b/c");
  });

  it("stops listening on stop", () => {
    const link = new FakeLink();
    start(new Lot(), link).stop();
    expect(link.watches.size).toBe(0);
  });
});

describe("HaDiscovery.retireSpot", () => {
  it("empties the retired spot's config, and its zone's once the zone has no spot left", () => {
    const lot = new Lot();
    addSpot(lot, "Zone_A", "place_1");
    addSpot(lot, "Zone_B", "place_1");
    addSpot(lot, "Zone_B", "place_2");
    const link = new FakeLink();
    const service = new HaDiscovery({
      bus: new GatewayBus(),
      link,
      lot,
      names,
      logger: pino({ level: "silent" }),
    });
    service.start();
    link.published = [];
    const zoneB = zoneDiscovery(names, "Zone_B").topic;

    lot.delete("Zone_B", "place_1");
    service.retireSpot("Zone_B", "place_1");
    expect(link.published).toEqual([{ topic: spotDiscovery(names, "Zone_B", "place_1").topic, payload: "" }]);

    link.published = [];
    lot.delete("Zone_B", "place_2");
    service.retireSpot("Zone_B", "place_2");
    expect(link.published).toEqual([
      { topic: spotDiscovery(names, "Zone_B", "place_2").topic, payload: "" },
      { topic: zoneB, payload: "" },
    ]);

    // A spot never announced (or retired twice) publishes nothing.
    link.published = [];
    service.retireSpot("Zone_B", "place_2");
    expect(link.published).toEqual([]);
    service.stop();
  });
});
