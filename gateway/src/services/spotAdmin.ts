import type { Logger } from "pino";
import { availabilityTopic, configTopic, reportTopic } from "../../../protocol/src/topics.js";
import type { MqttLink } from "../ingest/mqttLink.js";
import type { StoreWriter } from "../ingest/writer.js";
import type { Lot } from "../lot/lot.js";
import type { Store } from "../store/types.js";
import type { HaDiscovery } from "./haDiscovery.js";
import type { SummaryService } from "./summaryService.js";

/**
 * Settings a node applies from its config topic, in `parking.json`'s names; the ranges are the
 * firmware's own (firmware/src/core/settings.ts, readSettings), checked by the route's schema.
 */
export interface NodeConfig {
  threshold_cm?: number;
  hysteresis_cm?: number;
  interval_s?: number;
  heartbeat_s?: number;
  pings?: number;
  cycles_to_change?: number;
  /** One shot: the node measures the empty spot for 10 s, then clears the flag itself. */
  calibrate?: boolean;
}

export type AdminOutcome =
  | { outcome: "done"; topic: string }
  | { outcome: "unknown_spot" }
  /** Refused rather than queued: a config sent hours later, or a spot that comes back, would surprise. */
  | { outcome: "mqtt_down" };

export interface SpotAdminDeps {
  topicRoot: string;
  lot: Lot;
  store: Pick<Store, "deleteSpot">;
  writer: Pick<StoreWriter, "flush">;
  link: Pick<MqttLink, "publish" | "status" | "watch" | "unwatch">;
  summary: Pick<SummaryService, "markDirty">;
  /** Only when --ha-discovery is on; its entity of a retired spot goes too. */
  haDiscovery: () => Pick<HaDiscovery, "retireSpot"> | null;
  logger: Logger;
}

/** The two things an installer changes about a spot from the API: its node's settings, and its retirement. */
export class SpotAdmin {
  /** What we last published retained on each config topic, as the link will re-send it. */
  private readonly configs = new Map<string, string>();
  private readonly configFilter: string;

  constructor(private readonly deps: SpotAdminDeps) {
    this.configFilter = configTopic(deps.topicRoot, "+", "+");
  }

  /**
   * Follows the config topics we wrote to. A node clears its one-shot `calibrate` by publishing
   * the same config without it (firmware/src/node.ts, onConfig); the link re-sends what we
   * published retained after every reconnect, so it must take the node's version, or each
   * reconnect would calibrate again. Only that exact answer counts: an echo of an older config of
   * ours, or anyone else's message, changes nothing.
   */
  start(): void {
    void this.deps.link.watch(this.configFilter, (topic, payload) => {
      const ours = this.configs.get(topic);
      if (ours === undefined || !isClearedCalibration(ours, payload.toString())) return;
      const cleared = payload.toString();
      this.configs.set(topic, cleared);
      this.deps.link.publish(topic, cleared);
    });
  }

  stop(): void {
    this.deps.link.unwatch(this.configFilter);
  }

  /** Publishes `config` retained on the spot's config topic, where its node (even asleep) picks it up. */
  configure(zone: string, spot: string, config: NodeConfig): AdminOutcome {
    const { lot, link, topicRoot, logger } = this.deps;
    if (lot.get(zone, spot) === undefined) return { outcome: "unknown_spot" };
    if (!link.status.connected) return { outcome: "mqtt_down" };
    const topic = configTopic(topicRoot, zone, spot);
    const payload = JSON.stringify(config);
    this.configs.set(topic, payload);
    link.publish(topic, payload);
    logger.info({ zone, spot, config }, `sent new settings to spot ${zone}/${spot}`);
    return { outcome: "done", topic };
  }

  /**
   * Retires a decommissioned spot: empties its retained report and availability on the broker
   * (else the gateway would learn it again at the next subscribe), forgets it in the lot and the
   * store, and lets the summary recount. Its history stays. A node still powered that reports
   * again is a spot again, as any new one.
   */
  async retire(zone: string, spot: string): Promise<AdminOutcome> {
    const { lot, link, store, writer, summary, topicRoot, logger } = this.deps;
    if (lot.get(zone, spot) === undefined) return { outcome: "unknown_spot" };
    if (!link.status.connected) return { outcome: "mqtt_down" };
    const topic = reportTopic(topicRoot, zone, spot);
    link.publish(topic, "");
    link.publish(availabilityTopic(topicRoot, zone, spot), "");
    lot.delete(zone, spot);
    this.deps.haDiscovery()?.retireSpot(zone, spot);
    // A report of this spot still queued would write its row again after the delete.
    await writer.flush();
    await store.deleteSpot(zone, spot);
    summary.markDirty();
    logger.info({ zone, spot }, `retired spot ${zone}/${spot}; its history is kept`);
    return { outcome: "done", topic };
  }
}

/** Whether `answer` is `sent` with its `calibrate: true` removed, keys in any order. */
export function isClearedCalibration(sent: string, answer: string): boolean {
  const ours = parseObject(sent);
  const theirs = parseObject(answer);
  if (ours?.calibrate !== true || theirs === null || "calibrate" in theirs) return false;
  const { calibrate: _oneShot, ...rest } = ours;
  const keys = Object.keys(rest);
  return (
    keys.length === Object.keys(theirs).length &&
    keys.every((key) => Object.hasOwn(theirs, key) && theirs[key] === rest[key])
  );
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
