import { isReservedZone, isValidId } from "./ids.js";
import { quote, reject } from "./rejection.js";
import type { Rejection } from "./types.js";

/** What a topic says about its message, before the payload is read. */
export type ParsedTopic =
  | { kind: "report"; zone: string; spot: string }
  | { kind: "availability"; zone: string; spot: string }
  | { kind: "ignored" }
  | Rejection;

/** The topic root nodes, the gateway and the tools use unless told otherwise. */
export const DEFAULT_TOPIC_ROOT = "parking";

// Builders do not validate: ids are checked once, where configuration is loaded.

export function reportTopic(root: string, zone: string, spot: string): string {
  return `${root}/${zone}/${spot}`;
}

export function availabilityTopic(root: string, zone: string, spot: string): string {
  return `${root}/${zone}/${spot}/availability`;
}

export function configTopic(root: string, zone: string, spot: string): string {
  return `${root}/${zone}/${spot}/config`;
}

export function summaryTopic(root: string): string {
  return `${root}/summary`;
}

export function alertsTopic(root: string): string {
  return `${root}/alerts`;
}

export function gatewayAvailabilityTopic(root: string): string {
  return `${root}/gateway/availability`;
}

/** The filters a gateway subscribes to: every spot report and every spot availability. */
export function subscriptionFilters(root: string): string[] {
  return [`${root}/+/+`, `${root}/+/+/availability`];
}

/** One or more ids joined by `/`, e.g. `parking` or `site/lyon-1/parking`. */
export function isValidTopicRoot(root: unknown): root is string {
  if (typeof root !== "string") return false;
  const levels = root.split("/");
  for (const level of levels) {
    if (!isValidId(level)) return false;
  }
  return true;
}

/** Topics run longer than field values; quote enough of one to recognise it in a log. */
function quoteTopic(topic: string): string {
  return quote(topic, 120);
}

function invalidTopic(topic: string, why: string): Rejection {
  return reject("invalid_topic", `topic ${quoteTopic(topic)} ${why}`);
}

/**
 * Classifies a topic under `root`. Topics the gateway itself publishes, and config topics, are
 * `ignored`; a node topic in a reserved zone is `reserved_zone`; anything else malformed is
 * `invalid_topic`.
 */
export function parseTopic(root: string, topic: string): ParsedTopic {
  if (typeof root !== "string" || typeof topic !== "string") {
    return reject("invalid_topic", `topic and root must be strings, got ${typeof topic} and ${typeof root}`);
  }
  if (!isValidTopicRoot(root)) return reject("invalid_topic", `topic root ${quote(root)} is not valid`);
  const prefix = `${root}/`;
  if (topic.slice(0, prefix.length) !== prefix) return invalidTopic(topic, `is not under ${quote(root)}`);
  const levels = topic.slice(prefix.length).split("/");
  const zone = levels[0] ?? "";
  // The gateway owns `<root>/gateway/...` and publishes summary and alerts; a node never does.
  if (zone === "gateway") return { kind: "ignored" };
  if (levels.length === 1 && (zone === "summary" || zone === "alerts")) return { kind: "ignored" };
  for (let i = 0; i < levels.length; i++) {
    if (!isValidId(levels[i])) {
      const level = i === 0 ? "zone" : i === 1 ? "spot" : `level ${i + 1} after the root`;
      return invalidTopic(topic, `has ${level} ${quote(levels[i])}, not an id of 1-32 [A-Za-z0-9_-]`);
    }
  }
  if (levels.length < 2) return invalidTopic(topic, "has no spot level");
  if (levels.length > 3) return invalidTopic(topic, `has ${levels.length} levels after the root, at most 3`);
  const suffix = levels[2];
  if (suffix !== undefined && suffix !== "availability" && suffix !== "config") {
    return invalidTopic(topic, `ends in ${quote(suffix)}, expected availability or config`);
  }
  if (isReservedZone(zone)) {
    return reject("reserved_zone", `topic ${quoteTopic(topic)} uses reserved zone ${quote(zone)}`);
  }
  if (suffix === "config") return { kind: "ignored" };
  const spot = levels[1] ?? "";
  return suffix === "availability" ? { kind: "availability", zone, spot } : { kind: "report", zone, spot };
}

/**
 * The filters of a central gateway (`--site-topics`): every site's spot reports and
 * availabilities, bridged under `site/<site-id>/<root>/`.
 */
export function siteSubscriptionFilters(root: string): string[] {
  return [`site/+/${root}/+/+`, `site/+/${root}/+/+/availability`];
}

/** A site's own topic root on the central broker, `site/<site-id>/<root>`, and its id. */
export interface SiteRoot {
  kind: "site";
  site: string;
  root: string;
}

/**
 * Which site a bridged topic `site/<site-id>/<root>/...` comes from, and that site's topic root,
 * so the rest of the topic is read by parseTopic and decode exactly as a single-site gateway
 * reads it (summary, alerts, gateway and config topics ignored; the payload's `zone` checked
 * against the topic's own zone). Only the first level after `site/` is checked here.
 */
export function siteRootOf(root: string, topic: string): SiteRoot | Rejection {
  if (typeof root !== "string" || typeof topic !== "string") {
    return reject("invalid_topic", `topic and root must be strings, got ${typeof topic} and ${typeof root}`);
  }
  if (topic.slice(0, 5) !== "site/") return invalidTopic(topic, 'is not under "site/"');
  const end = topic.indexOf("/", 5);
  const site = end < 0 ? topic.slice(5) : topic.slice(5, end);
  if (!isValidId(site)) {
    return invalidTopic(topic, `has site ${quote(site)}, not an id of 1-32 [A-Za-z0-9_-]`);
  }
  return { kind: "site", site, root: `site/${site}/${root}` };
}

/** `<site-id>/<zone>`: a zone id unique across sites, the key a central gateway's lot uses. */
export function siteZone(site: string, zone: string): string {
  return `${site}/${zone}`;
}
