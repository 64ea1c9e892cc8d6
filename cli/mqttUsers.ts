import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { generatePassword, passwordFile } from "../mosquitto/src/passwords.js";
import {
  aclFile,
  brokerUsers,
  type Credential,
  credentialsCsv,
  parseCredentialsCsv,
  parseSpotList,
  type SpotRef,
  spotsOfCurrent,
} from "../mosquitto/src/users.js";
import { isValidTopicRoot } from "../protocol/src/topics.js";
import { parseZones } from "../simulator/src/layout.js";

interface Flags {
  spots?: string;
  zones?: string;
  fromGateway?: string;
  out?: string;
  topicRoot?: string;
  haPrefix?: string;
  force?: boolean;
}

const FILES = ["passwd", "acl", "credentials.csv"] as const;

/** `parking mqtt-users`: Mosquitto's password file and ACL for a lot, and each node's password. */
export function mqttUsersCommand(program: Command): void {
  program
    .command("mqtt-users")
    .description(
      "Write Mosquitto's password file and ACL for a lot: one user per node (its own spot only), the gateway and a read-only viewer",
    )
    .option("--spots <list>", 'spots by zone: "Zone_A:place_1,place_2;Zone_B:place_1"')
    .option("--zones <spec>", 'zones and spot counts, spots named place_1..N: "Zone_A:8,Zone_B:6"')
    .option("--from-gateway <url>", "the spots a running gateway knows, from its /api/current")
    .option("--out <dir>", "folder to write passwd, acl and credentials.csv (mode 0600) into")
    .option("--topic-root <root>", "topic root [env PARKING_TOPIC_ROOT; default parking]")
    .option(
      "--ha-prefix <prefix>",
      "Home Assistant discovery prefix [env PARKING_HA_PREFIX; default homeassistant]",
    )
    .option("--force", "overwrite existing files; passwords already in credentials.csv are kept")
    .action(async (flags: Flags) => {
      const topicRoot = flags.topicRoot ?? process.env.PARKING_TOPIC_ROOT ?? "parking";
      const haPrefix = flags.haPrefix ?? process.env.PARKING_HA_PREFIX ?? "homeassistant";
      if (!isValidTopicRoot(topicRoot)) {
        throw new Error(
          `--topic-root "${topicRoot}" is not valid: ids of letters, digits, _ or - joined by /.`,
        );
      }
      if (!isValidTopicRoot(haPrefix)) {
        throw new Error(
          `--ha-prefix "${haPrefix}" is not valid: ids of letters, digits, _ or - joined by /.`,
        );
      }
      if (flags.out === undefined || flags.out === "") {
        throw new Error("--out is required: the folder to write passwd, acl and credentials.csv into.");
      }
      const out = flags.out;
      const [flag, spots] = await readSpots(flags);
      const users = brokerUsers(spots, flag);
      if (typeof users === "string") throw new Error(users);

      const existing = FILES.map((name) => join(out, name)).filter((path) => existsSync(path));
      if (existing.length > 0 && !flags.force) {
        throw new Error(`${existing[0]} already exists: pass --force to overwrite it.`);
      }
      const csvPath = join(out, "credentials.csv");
      // Keeping known passwords means adding a spot does not mean flashing every node again.
      const known = existsSync(csvPath) ? parseCredentialsCsv(readFileSync(csvPath, "utf8")) : new Map();
      let kept = 0;
      const credentials: Credential[] = users.map((u) => {
        const password = known.get(u.user) ?? generatePassword();
        if (known.has(u.user)) kept++;
        return u.role === "node"
          ? { user: u.user, password, zone: u.zone, spot: u.spot }
          : { user: u.user, password };
      });

      try {
        mkdirSync(out, { recursive: true });
        writePrivate(join(out, "passwd"), passwordFile(credentials));
        writePrivate(join(out, "acl"), aclFile(users, { topicRoot, haPrefix }));
        writePrivate(csvPath, credentialsCsv(credentials));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? String(error);
        throw new Error(`--out: cannot write into ${out} (${code}); choose a folder you may write to.`);
      }
      const nodes = users.filter((u) => u.role === "node").length;
      console.log(
        `Wrote passwd, acl and credentials.csv to ${out}: ${nodes} node${nodes === 1 ? "" : "s"}, gateway and viewer` +
          (kept > 0 ? ` (${kept} password${kept === 1 ? "" : "s"} kept from credentials.csv).` : "."),
      );
      console.log(
        `Install: sudo install -m 0640 -g mosquitto ${join(out, "passwd")} ${join(out, "acl")} /etc/mosquitto/ && sudo systemctl reload mosquitto`,
      );
    });
}

async function readSpots(flags: Flags): Promise<[flag: string, spots: SpotRef[]]> {
  const given = [
    flags.spots === undefined ? [] : ["--spots"],
    flags.zones === undefined ? [] : ["--zones"],
    flags.fromGateway === undefined ? [] : ["--from-gateway"],
  ].flat();
  if (given.length !== 1) {
    throw new Error(
      `Give the spots with exactly one of --spots, --zones or --from-gateway${given.length > 1 ? ` (got ${given.join(" and ")})` : ""}.`,
    );
  }
  if (flags.spots !== undefined) {
    const spots = parseSpotList(flags.spots);
    if (typeof spots === "string") throw new Error(spots);
    return ["--spots", spots];
  }
  if (flags.zones !== undefined) {
    const zones = parseZones(flags.zones);
    if (typeof zones === "string") throw new Error(zones);
    return ["--zones", zones.flatMap(({ zone, spots }) => spots.map((spot) => ({ zone, spot })))];
  }
  return ["--from-gateway", await gatewaySpots(flags.fromGateway as string)];
}

async function gatewaySpots(base: string): Promise<SpotRef[]> {
  const url = `${base.replace(/\/+$/, "")}/api/current`;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? String(error);
    throw new Error(`--from-gateway: cannot reach ${url} (${cause}); is the gateway running there?`);
  }
  if (!response.ok) throw new Error(`--from-gateway: ${url} answered HTTP ${response.status}.`);
  const spots = spotsOfCurrent(await response.json().catch(() => undefined));
  if (spots === undefined)
    throw new Error(`--from-gateway: ${url} did not answer a parking gateway's spot list.`);
  if (spots.length === 0) {
    throw new Error(
      `--from-gateway: the gateway at ${base} knows no spot yet; list them with --spots or --zones.`,
    );
  }
  return spots;
}

/** Mode 0600 whether the file is new or not: it holds passwords or their hashes. */
function writePrivate(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}
