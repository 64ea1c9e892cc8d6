import { isReservedZone, isValidId } from "../../protocol/src/ids.js";
import {
  alertsTopic,
  availabilityTopic,
  configTopic,
  gatewayAvailabilityTopic,
  reportTopic,
  summaryTopic,
} from "../../protocol/src/topics.js";

export interface SpotRef {
  zone: string;
  spot: string;
}

export type BrokerUser =
  | { role: "gateway" | "viewer"; user: string }
  | { role: "node"; user: string; zone: string; spot: string };

export const GATEWAY_USER = "gateway";
export const VIEWER_USER = "viewer";

/** The MQTT user of the node over a spot: what `parking flash --mqtt-username` gets. */
export function nodeUser(zone: string, spot: string): string {
  return `node-${zone}-${spot}`;
}

/**
 * Parses "Zone_A:place_1,place_2;Zone_B:place_1". Returns an error sentence naming the flag
 * instead of throwing, so a CLI can print it.
 */
export function parseSpotList(spec: string, flag = "--spots"): SpotRef[] | string {
  const spots: SpotRef[] = [];
  for (const group of spec.split(";")) {
    if (group.trim() === "") continue;
    const [zone = "", list = "", ...extra] = group.trim().split(":");
    if (extra.length > 0 || list.trim() === "") {
      return `${flag} expects ZONE:SPOT,SPOT groups separated by ";", like "Zone_A:place_1,place_2;Zone_B:place_1"; got "${group.trim()}".`;
    }
    for (const spot of list.split(",")) spots.push({ zone: zone.trim(), spot: spot.trim() });
  }
  if (spots.length === 0) return `${flag} lists no spot; give at least one, like "Zone_A:place_1".`;
  return spots;
}

/**
 * Every user of the broker: the gateway, the viewer, then one node per spot in the given order.
 * Returns an error sentence naming the flag for an invalid id, a spot listed twice, or two spots
 * whose user names would be the same (ids may contain `-`: `a-b`/`c` and `a`/`b-c`).
 */
export function brokerUsers(spots: readonly SpotRef[], flag = "--spots"): BrokerUser[] | string {
  const users: BrokerUser[] = [
    { role: "gateway", user: GATEWAY_USER },
    { role: "viewer", user: VIEWER_USER },
  ];
  const owners = new Map<string, SpotRef>();
  for (const { zone, spot } of spots) {
    if (!isValidId(zone) || isReservedZone(zone)) {
      return `${flag}: "${zone}" is not a valid zone id (1 to 32 letters, digits, _ or -; not summary, alerts or gateway).`;
    }
    if (!isValidId(spot)) {
      return `${flag}: "${spot}" in zone ${zone} is not a valid spot id (1 to 32 letters, digits, _ or -).`;
    }
    const user = nodeUser(zone, spot);
    const owner = owners.get(user);
    if (owner !== undefined) {
      return owner.zone === zone && owner.spot === spot
        ? `${flag}: spot ${zone}/${spot} is listed twice.`
        : `${flag}: spots ${owner.zone}/${owner.spot} and ${zone}/${spot} would share the MQTT user "${user}"; rename one.`;
    }
    owners.set(user, { zone, spot });
    users.push({ role: "node", user, zone, spot });
  }
  return users;
}

/** The spots of a gateway's `GET /api/current` answer; undefined when it has no spot list. */
export function spotsOfCurrent(body: unknown): SpotRef[] | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const spots = (body as { spots?: unknown }).spots;
  if (!Array.isArray(spots)) return undefined;
  const refs: SpotRef[] = [];
  for (const s of spots) {
    if (typeof s !== "object" || s === null) return undefined;
    const { zone, spot } = s as { zone?: unknown; spot?: unknown };
    if (typeof zone !== "string" || typeof spot !== "string") return undefined;
    refs.push({ zone, spot });
  }
  return refs;
}

export interface AclOptions {
  topicRoot: string;
  /** Home Assistant's discovery prefix (the gateway's --ha-prefix). */
  haPrefix: string;
}

/** The topic lines of one user, in Mosquitto's acl_file syntax. */
export function userTopics(user: BrokerUser, { topicRoot, haPrefix }: AclOptions): string[] {
  switch (user.role) {
    case "gateway":
      return [
        `topic read ${topicRoot}/#`,
        `topic write ${summaryTopic(topicRoot)}`,
        `topic write ${alertsTopic(topicRoot)}`,
        `topic write ${gatewayAvailabilityTopic(topicRoot)}`,
        // The contract lets the gateway (and an installer with its account) send node settings.
        `topic write ${configTopic(topicRoot, "+", "+")}`,
        // Read too: Home Assistant announces itself on <prefix>/status, and retained discovery
        // configs are how a gateway finds the entities it should remove.
        `topic readwrite ${haPrefix}/#`,
      ];
    case "viewer":
      return [`topic read ${topicRoot}/#`];
    case "node":
      return [
        `topic write ${reportTopic(topicRoot, user.zone, user.spot)}`,
        `topic write ${availabilityTopic(topicRoot, user.zone, user.spot)}`,
        // The node re-publishes its retained config to clear a one-shot `calibrate`.
        `topic readwrite ${configTopic(topicRoot, user.zone, user.spot)}`,
      ];
  }
}

/**
 * Mosquitto's acl_file: explicit topics per user, so a node can write only its own spot. Topics
 * not listed are denied; Mosquitto drops a denied publish silently (MQTT 3.1.1) and never
 * delivers a denied subscription's messages.
 */
export function aclFile(users: readonly BrokerUser[], options: AclOptions): string {
  const nodes = users.filter((u) => u.role === "node").length;
  const lines = [
    `# Written by \`parking mqtt-users\` for ${nodes} node${nodes === 1 ? "" : "s"}, the gateway and a viewer;`,
    "# run it again rather than editing. Anything not listed for a user is denied.",
  ];
  for (const user of users) lines.push("", `user ${user.user}`, ...userTopics(user, options));
  return `${lines.join("\n")}\n`;
}

export interface Credential {
  user: string;
  password: string;
  zone?: string;
  spot?: string;
}

/** `user,password,zone,spot`, one row per user: what an installer flashes into each node. */
export function credentialsCsv(rows: readonly Credential[]): string {
  const lines = ["user,password,zone,spot"];
  for (const r of rows) lines.push([r.user, r.password, r.zone ?? "", r.spot ?? ""].join(","));
  return `${lines.join("\n")}\n`;
}

/** The passwords of a credentials.csv this tool wrote, by user; other lines are skipped. */
export function parseCredentialsCsv(text: string): Map<string, string> {
  const passwords = new Map<string, string>();
  for (const line of text.split(/\r?\n/).slice(1)) {
    const [user = "", password = ""] = line.split(",");
    if (user !== "" && password !== "") passwords.set(user, password);
  }
  return passwords;
}
