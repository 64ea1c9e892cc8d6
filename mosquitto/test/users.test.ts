import { describe, expect, it } from "vitest";
import {
  aclFile,
  type BrokerUser,
  brokerUsers,
  credentialsCsv,
  nodeUser,
  parseCredentialsCsv,
  parseSpotList,
  spotsOfCurrent,
} from "../src/users.js";

const PARKING = { topicRoot: "parking", haPrefix: "homeassistant" };

function users(spots: { zone: string; spot: string }[]): BrokerUser[] {
  const result = brokerUsers(spots);
  if (typeof result === "string") throw new Error(result);
  return result;
}

describe("parseSpotList", () => {
  it("reads zones and their spots", () => {
    expect(parseSpotList("Zone_A:place_1, place_2 ; Zone_B:place_1;")).toEqual([
      { zone: "Zone_A", spot: "place_1" },
      { zone: "Zone_A", spot: "place_2" },
      { zone: "Zone_B", spot: "place_1" },
    ]);
  });

  it.each(["Zone_A", "Zone_A:", "Zone_A:1:2", ";"])("names the flag for %j", (spec) => {
    expect(parseSpotList(spec)).toMatch(/^--spots /);
  });
});

describe("brokerUsers", () => {
  it("gives the gateway, the viewer and one node per spot", () => {
    expect(users([{ zone: "Zone_A", spot: "place_1" }])).toEqual([
      { role: "gateway", user: "gateway" },
      { role: "viewer", user: "viewer" },
      { role: "node", user: "node-Zone_A-place_1", zone: "Zone_A", spot: "place_1" },
    ]);
    expect(nodeUser("B", "7")).toBe("node-B-7");
  });

  it.each([
    [[{ zone: "Zone A", spot: "p" }], /^--spots: "Zone A" is not a valid zone id/],
    [[{ zone: "summary", spot: "p" }], /^--spots: "summary" is not a valid zone id/],
    [[{ zone: "Z", spot: "p/1" }], /^--spots: "p\/1" in zone Z is not a valid spot id/],
    [
      [
        { zone: "Z", spot: "p" },
        { zone: "Z", spot: "p" },
      ],
      /^--spots: spot Z\/p is listed twice\.$/,
    ],
    [
      [
        { zone: "a-b", spot: "c" },
        { zone: "a", spot: "b-c" },
      ],
      /^--spots: spots a-b\/c and a\/b-c would share the MQTT user "node-a-b-c"; rename one\.$/,
    ],
  ])("refuses %j with one sentence", (spots, message) => {
    expect(brokerUsers(spots)).toMatch(message);
  });
});

describe("aclFile", () => {
  it("lets each node write only its own spot, the gateway its topics, the viewer read", () => {
    expect(aclFile(users([{ zone: "Zone_A", spot: "place_1" }]), PARKING)).toBe(
      [
        "# Written by `parking mqtt-users` for 1 node, the gateway and a viewer;",
        "# run it again rather than editing. Anything not listed for a user is denied.",
        "",
        "user gateway",
        "topic read parking/#",
        "topic write parking/summary",
        "topic write parking/alerts",
        "topic write parking/gateway/availability",
        "topic write parking/+/+/config",
        "topic readwrite homeassistant/#",
        "",
        "user viewer",
        "topic read parking/#",
        "",
        "user node-Zone_A-place_1",
        "topic write parking/Zone_A/place_1",
        "topic write parking/Zone_A/place_1/availability",
        "topic readwrite parking/Zone_A/place_1/config",
        "",
      ].join("\n"),
    );
  });

  it("follows the topic root and the Home Assistant prefix", () => {
    const acl = aclFile(users([{ zone: "B", spot: "7" }]), {
      topicRoot: "site/lyon/parking",
      haPrefix: "ha",
    });
    expect(acl).toContain("user node-B-7\ntopic write site/lyon/parking/B/7\n");
    expect(acl).toContain("topic read site/lyon/parking/#\ntopic write site/lyon/parking/summary\n");
    expect(acl).toContain("topic readwrite ha/#\n");
    expect(acl).not.toMatch(/ parking\/|homeassistant/);
  });
});

describe("credentials.csv", () => {
  it("round-trips passwords by user", () => {
    const csv = credentialsCsv([
      { user: "gateway", password: "g" },
      { user: "node-A-1", password: "n", zone: "A", spot: "1" },
    ]);
    expect(csv).toBe("user,password,zone,spot\ngateway,g,,\nnode-A-1,n,A,1\n");
    expect([...parseCredentialsCsv(csv)]).toEqual([
      ["gateway", "g"],
      ["node-A-1", "n"],
    ]);
  });
});

describe("spotsOfCurrent", () => {
  it("reads the spots of /api/current and refuses anything else", () => {
    expect(spotsOfCurrent({ success: true, spots: [{ zone: "A", spot: "1", status: "free" }] })).toEqual([
      { zone: "A", spot: "1" },
    ]);
    expect(spotsOfCurrent({ spots: [{ zone: "A" }] })).toBeUndefined();
    expect(spotsOfCurrent({ error: "x" })).toBeUndefined();
    expect(spotsOfCurrent(null)).toBeUndefined();
  });
});
