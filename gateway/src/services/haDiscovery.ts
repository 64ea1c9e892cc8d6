import type { Logger } from "pino";
import type { GatewayBus } from "../bus.js";
import type { MqttLink } from "../ingest/mqttLink.js";
import {
  type DiscoveryConfig,
  type HaNames,
  haStatusTopic,
  lotDiscovery,
  ownConfigFilter,
  spotDiscovery,
  zoneDiscovery,
} from "../integrations/homeAssistant.js";
import type { Lot } from "../lot/lot.js";

export interface HaDiscoveryDeps {
  bus: GatewayBus;
  link: Pick<MqttLink, "publish" | "watch" | "unwatch">;
  lot: Lot;
  names: HaNames;
  logger: Logger;
  /** How long after subscribing the broker has to send our retained configs before stale ones are removed. */
  settleMs?: number;
}

const SETTLE_MS = 2_000;
const LOT_OWNER = "(lot)";

/**
 * Announces the lot to Home Assistant: every config retained, sent at start (the link sends
 * them as soon as it connects), for each new spot, and again whenever Home Assistant says it is
 * back `online`. At start it also reads which of our configs the broker retains and empties
 * those of spots the gateway no longer knows, so their entities disappear. The broker is the
 * record of what was announced: nothing to keep in the store, nothing to drift from it.
 */
export class HaDiscovery {
  /** Config topic → the spot or zone it describes; two spots whose ids join alike must not share one. */
  private readonly owners = new Map<string, string>();
  private readonly zones = new Set<string>();
  private readonly warned = new Set<string>();
  private settleTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly statusTopic: string;
  private readonly configFilter: string;

  /** `deps.names.prefix` is a valid topic root: resolveSettings refuses any other. */
  constructor(private readonly deps: HaDiscoveryDeps) {
    this.statusTopic = haStatusTopic(deps.names.prefix);
    this.configFilter = ownConfigFilter(deps.names);
  }

  start(): void {
    const { bus, link } = this.deps;
    this.announceAll();
    bus.on(this, "spotChanged", ({ event }) => {
      if (event.previous === null) this.announceSpot(event.zone, event.spot);
    });
    // A retained `online` is an old birth: the configs sent at start already answer it.
    void link.watch(this.statusTopic, (_topic, payload, retained) => {
      if (!retained && payload.toString() === "online") this.announceAll();
    });
    void this.retireStale();
  }

  stop(): void {
    this.stopped = true;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.deps.bus.removeAll(this);
    this.deps.link.unwatch(this.statusTopic);
    this.deps.link.unwatch(this.configFilter);
  }

  /**
   * Removes a retired spot's entity, and its zone's device when it was the zone's last spot:
   * an empty retained config is Home Assistant's way to delete. Call after the lot forgot it.
   */
  retireSpot(zone: string, spot: string): void {
    const owner = `${zone}/${spot}`;
    const { topic } = spotDiscovery(this.deps.names, zone, spot);
    if (this.owners.get(topic) === owner) {
      this.owners.delete(topic);
      this.deps.link.publish(topic, "");
    }
    for (const other of this.deps.lot.values()) {
      if (other.zone === zone) return;
    }
    const zoneTopic = zoneDiscovery(this.deps.names, zone).topic;
    if (this.owners.get(zoneTopic) === zone) {
      this.owners.delete(zoneTopic);
      this.zones.delete(zone);
      this.deps.link.publish(zoneTopic, "");
    }
  }

  private announceAll(): void {
    for (const config of lotDiscovery(this.deps.names)) this.publish(config, LOT_OWNER);
    this.zones.clear();
    for (const spot of this.deps.lot.values()) this.announceSpot(spot.zone, spot.spot);
  }

  private announceSpot(zone: string, spot: string): void {
    if (!this.zones.has(zone)) {
      this.zones.add(zone);
      this.publish(zoneDiscovery(this.deps.names, zone), zone);
    }
    this.publish(spotDiscovery(this.deps.names, zone, spot), `${zone}/${spot}`);
  }

  private publish({ topic, config }: DiscoveryConfig, owner: string): void {
    const current = this.owners.get(topic);
    if (current !== undefined && current !== owner) {
      if (!this.warned.has(topic)) {
        this.warned.add(topic);
        this.deps.logger.warn(
          { topic, announced: current, skipped: owner },
          `Home Assistant cannot tell spot ${owner} from ${current} (their ids join alike); rename one of them to see both.`,
        );
      }
      return;
    }
    this.owners.set(topic, owner);
    this.deps.link.publish(topic, JSON.stringify(config));
  }

  /** The config topics of everything the lot holds now. */
  private wantedTopics(): Set<string> {
    const { names, lot } = this.deps;
    const wanted = new Set(lotDiscovery(names).map((c) => c.topic));
    for (const spot of lot.values()) {
      wanted.add(zoneDiscovery(names, spot.zone).topic);
      wanted.add(spotDiscovery(names, spot.zone, spot.spot).topic);
    }
    return wanted;
  }

  private async retireStale(): Promise<void> {
    const { link, logger } = this.deps;
    const retained = new Set<string>();
    await link.watch(this.configFilter, (topic, payload, isRetained) => {
      if (isRetained && payload.length > 0) retained.add(topic);
    });
    // The broker sends retained messages after granting the subscription; meanwhile the nodes'
    // own retained reports bring back spots a reset store forgot, which must keep their entities.
    await new Promise<void>((resolve) => {
      this.settleTimer = setTimeout(resolve, this.deps.settleMs ?? SETTLE_MS);
    });
    if (this.stopped) return;
    link.unwatch(this.configFilter);
    const wanted = this.wantedTopics();
    const stale = [...retained].filter((topic) => !wanted.has(topic));
    for (const topic of stale) link.publish(topic, "");
    if (stale.length > 0) {
      logger.info(
        { topics: stale },
        `removed ${stale.length} Home Assistant entities of spots the gateway no longer knows`,
      );
    }
  }
}
