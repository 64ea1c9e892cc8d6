import type { Logger } from "pino";
import { decode } from "../../../protocol/src/decode.js";
import { decodeSerialLine } from "../../../protocol/src/serial.js";
import { siteRootOf, siteZone } from "../../../protocol/src/topics.js";
import type { DecodeResult } from "../../../protocol/src/types.js";
import type { GatewayBus } from "../bus.js";
import { LogRateLimiter } from "../logging/rateLimit.js";
import type { Lot } from "../lot/lot.js";
import { applyAvailability, applyReport } from "../lot/spots.js";
import type { ChangeEvent, IngestSource, Spot } from "../lot/types.js";
import type { IngestCounters } from "./counters.js";
import type { StoreWriter } from "./writer.js";

export interface PipelineDeps {
  topicRoot: string;
  /** Central gateway: topics are `site/<site-id>/<topicRoot>/...` and zones `<site-id>/<zone>`. */
  siteTopics?: boolean;
  lot: Lot;
  writer: StoreWriter;
  bus: GatewayBus;
  counters: IngestCounters;
  logger: Logger;
  now?: () => number;
}

const noop = (): void => {};

/**
 * The one path every inbound message takes, whatever carried it: decode, apply to the lot,
 * queue for the store, and only once stored acknowledge it and tell the rest of the gateway.
 * Every message, even a rejected one, goes through the writer's queue so acknowledgements
 * leave in arrival order, as MQTT requires.
 */
export class IngestPipeline {
  private readonly rejectLog = new LogRateLimiter(10, 60_000);
  private readonly dropLog = new LogRateLimiter(10, 60_000);
  private readonly now: () => number;

  constructor(private readonly deps: PipelineDeps) {
    this.now = deps.now ?? Date.now;
  }

  receive(topic: string, payload: Uint8Array | string, source: IngestSource, ack: () => void = noop): void {
    this.handle(this.decode(topic, payload), topic, source, ack);
  }

  /** A JSON line from a node on USB serial: it names its own zone and spot. */
  receiveLine(line: string, source: IngestSource): void {
    this.handle(decodeSerialLine(this.deps.topicRoot, line), "(serial line)", source, noop);
  }

  /**
   * A bridged topic is decoded under its own site's root, as that site's gateway would read it
   * (so the payload's `zone` is checked against the unqualified zone), and only then is the
   * zone qualified: the lot, store and API key everything by `<site-id>/<zone>`.
   */
  private decode(topic: string, payload: Uint8Array | string): DecodeResult {
    if (!this.deps.siteTopics) return decode(this.deps.topicRoot, topic, payload);
    const site = siteRootOf(this.deps.topicRoot, topic);
    if (site.kind === "rejected") return site;
    const decoded = decode(site.root, topic, payload);
    if (decoded.kind !== "report" && decoded.kind !== "availability") return decoded;
    return { ...decoded, zone: siteZone(site.site, decoded.zone) };
  }

  private handle(decoded: DecodeResult, topic: string, source: IngestSource, ack: () => void): void {
    const { counters, lot, writer } = this.deps;
    const receivedAt = this.now();
    counters.received += 1;
    counters.lastMessageAt = receivedAt;
    switch (decoded.kind) {
      case "rejected": {
        counters.reject(decoded.reason);
        this.logRejection(topic, decoded.reason, decoded.detail, source, receivedAt);
        writer.add({}, ack);
        return;
      }
      case "ignored": {
        counters.ignored += 1;
        writer.add({}, ack);
        return;
      }
      case "report": {
        const result = applyReport(
          lot.get(decoded.zone, decoded.spot),
          decoded.zone,
          decoded.spot,
          decoded.report,
          receivedAt,
          source,
        );
        if (result.outcome !== "accepted") {
          if (result.outcome === "duplicate") counters.duplicates += 1;
          else counters.stale += 1;
          this.logDrop(decoded.zone, decoded.spot, result.outcome, result.why, source, receivedAt);
          // A stale report was still sent just now: the node is alive, and its spot says so.
          if (result.outcome === "stale") this.commit(result.spot, result.change, ack);
          else writer.add({}, ack);
          return;
        }
        counters.accepted += 1;
        this.commit(result.spot, result.change, ack);
        return;
      }
      case "availability": {
        const result = applyAvailability(
          lot.get(decoded.zone, decoded.spot),
          decoded.zone,
          decoded.spot,
          decoded.online,
          receivedAt,
          source,
        );
        counters.accepted += 1;
        this.commit(result.spot, result.change, ack);
        return;
      }
    }
  }

  private commit(spot: Spot, change: ChangeEvent | null, ack: () => void): void {
    this.deps.lot.set(spot);
    if (!change) {
      this.deps.writer.add({ spot }, ack);
      return;
    }
    this.deps.writer.add({ spot, event: change }, () => {
      ack();
      this.deps.bus.emit("spotChanged", { event: change, spot });
    });
  }

  private logDrop(
    zone: string,
    spot: string,
    outcome: "duplicate" | "stale",
    why: string,
    source: IngestSource,
    now: number,
  ): void {
    const limited = this.dropLog.fields(now);
    if (limited === null) return;
    this.deps.logger.info(
      { zone, spot, outcome, source, ...limited },
      `report for ${zone}/${spot} not stored, ${outcome}: ${why}`,
    );
  }

  private logRejection(
    topic: string,
    reason: string,
    detail: string,
    source: IngestSource,
    now: number,
  ): void {
    const limited = this.rejectLog.fields(now);
    if (limited === null) return;
    this.deps.logger.warn(
      { topic: topic.slice(0, 200), reason, source, ...limited },
      `rejected message: ${detail}`,
    );
  }
}
