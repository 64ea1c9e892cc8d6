import { describe, expect, it } from "vitest";
import { isReservedZone, isValidId, RESERVED_ZONES } from "../src/ids.js";
import {
  alertsTopic,
  availabilityTopic,
  configTopic,
  gatewayAvailabilityTopic,
  isValidTopicRoot,
  parseTopic,
  reportTopic,
  siteRootOf,
  siteSubscriptionFilters,
  siteZone,
  subscriptionFilters,
  summaryTopic,
} from "../src/topics.js";

describe("ids", () => {
  it.each(["a", "Zone_A", "place-1", "0", "x".repeat(32), "__proto__"])("accepts %j", (id) => {
    expect(isValidId(id)).toBe(true);
  });

  it.each(["", "x".repeat(33), "Zone A", "pl@ce", "a/b", "+", "#", "é", "a.b", "a\n"])("refuses %j", (id) => {
    expect(isValidId(id)).toBe(false);
  });

  it("refuses non-strings", () => {
    expect(isValidId(12)).toBe(false);
    expect(isValidId(undefined)).toBe(false);
  });

  it("knows the reserved zones", () => {
    expect([...RESERVED_ZONES].sort()).toEqual(["alerts", "gateway", "summary"]);
    expect(isReservedZone("summary")).toBe(true);
    expect(isReservedZone("Summary")).toBe(false);
    expect(isReservedZone("Zone_A")).toBe(false);
  });
});

describe("topic builders", () => {
  it("build every contract topic", () => {
    expect(reportTopic("parking", "Zone_A", "place_1")).toBe("parking/Zone_A/place_1");
    expect(availabilityTopic("parking", "Zone_A", "place_1")).toBe("parking/Zone_A/place_1/availability");
    expect(configTopic("parking", "Zone_A", "place_1")).toBe("parking/Zone_A/place_1/config");
    expect(summaryTopic("parking")).toBe("parking/summary");
    expect(alertsTopic("parking")).toBe("parking/alerts");
    expect(gatewayAvailabilityTopic("site/lyon-1/parking")).toBe("site/lyon-1/parking/gateway/availability");
    expect(subscriptionFilters("parking")).toEqual(["parking/+/+", "parking/+/+/availability"]);
  });

  it("produce topics that parse back", () => {
    const root = "site/lyon-1/parking";
    expect(parseTopic(root, reportTopic(root, "z", "s"))).toEqual({ kind: "report", zone: "z", spot: "s" });
    expect(parseTopic(root, availabilityTopic(root, "z", "s"))).toEqual({
      kind: "availability",
      zone: "z",
      spot: "s",
    });
    for (const topic of [
      configTopic(root, "z", "s"),
      summaryTopic(root),
      alertsTopic(root),
      gatewayAvailabilityTopic(root),
    ]) {
      expect(parseTopic(root, topic)).toEqual({ kind: "ignored" });
    }
  });
});

describe("isValidTopicRoot", () => {
  it.each(["parking", "site/lyon-1/parking"])("accepts %j", (root) => {
    expect(isValidTopicRoot(root)).toBe(true);
  });

  it.each(["", "/parking", "parking/", "a//b", "parking/+", "parking/#", "my parking", "x".repeat(33)])(
    "refuses %j",
    (root) => {
      expect(isValidTopicRoot(root)).toBe(false);
    },
  );
});

describe("parseTopic", () => {
  const reason = (root: string, topic: string) => {
    const parsed = parseTopic(root, topic);
    return parsed.kind === "rejected" ? parsed.reason : parsed.kind;
  };

  it("reads zone and spot", () => {
    expect(parseTopic("parking", "parking/Zone_A/place_1")).toEqual({
      kind: "report",
      zone: "Zone_A",
      spot: "place_1",
    });
    expect(parseTopic("parking", "parking/Zone_A/availability")).toEqual({
      kind: "report",
      zone: "Zone_A",
      spot: "availability",
    });
  });

  it("works under a multi-level root", () => {
    expect(parseTopic("site/lyon-1/parking", "site/lyon-1/parking/A/1/availability")).toEqual({
      kind: "availability",
      zone: "A",
      spot: "1",
    });
    expect(reason("site/lyon-1/parking", "site/lyon-2/parking/A/1")).toBe("invalid_topic");
    expect(reason("site/lyon-1/parking", "parking/A/1")).toBe("invalid_topic");
  });

  it.each([
    ["not under the root", "other/A/1"],
    ["a root prefix that is not a level", "parkingX/A/1"],
    ["the root alone", "parking"],
    ["the root and a slash", "parking/"],
    ["too few levels", "parking/A"],
    ["too many levels", "parking/A/1/availability/x"],
    ["an unknown fourth level", "parking/A/1/state"],
    ["an empty zone", "parking//1"],
    ["an empty spot", "parking/A/"],
    ["a trailing empty level", "parking/A/1/"],
    ["a leading slash", "/parking/A/1"],
    ["a 33-character zone", `parking/${"z".repeat(33)}/1`],
    ["a 33-character spot", `parking/A/${"s".repeat(33)}`],
    ["a + wildcard", "parking/+/1"],
    ["a # wildcard", "parking/A/#"],
    ["a space", "parking/Zone A/1"],
    ["an @", "parking/Zone_A/pl@ce"],
    ["a non-ASCII letter", "parking/Zoné/1"],
    ["a NUL", "parking/A/1\u0000"],
    ["differently cased root", "Parking/A/1"],
  ])("refuses %s as invalid_topic", (_what, topic) => {
    expect(reason("parking", topic)).toBe("invalid_topic");
  });

  it("accepts a 32-character zone and spot", () => {
    expect(reason("parking", `parking/${"z".repeat(32)}/${"s".repeat(32)}`)).toBe("report");
  });

  it.each([
    "parking/summary/x",
    "parking/alerts/x",
    "parking/alerts/x/availability",
    "parking/summary/x/config",
  ])("refuses %s as reserved_zone", (topic) => {
    expect(reason("parking", topic)).toBe("reserved_zone");
  });

  it.each([
    "parking/summary",
    "parking/alerts",
    "parking/gateway",
    "parking/gateway/availability",
    "parking/gateway/x",
    "parking/gateway/x/y/z",
    "parking/A/1/config",
  ])("ignores %s", (topic) => {
    expect(parseTopic("parking", topic)).toEqual({ kind: "ignored" });
  });

  it("refuses everything when the root itself is invalid", () => {
    expect(reason("parking/#", "parking/#/A/1")).toBe("invalid_topic");
    expect(reason("", "/A/1")).toBe("invalid_topic");
  });

  it("names the faulty level and keeps the detail short", () => {
    const parsed = parseTopic("parking", `parking/A/${"@".repeat(5000)}`);
    expect(parsed.kind).toBe("rejected");
    if (parsed.kind !== "rejected") return;
    expect(parsed.detail).toContain("has spot");
    expect(parsed.detail.length).toBeLessThanOrEqual(200);
  });
});

describe("site topics", () => {
  /** What a central gateway makes of a bridged topic: the site's root, then parseTopic under it. */
  const parseSite = (topic: string) => {
    const site = siteRootOf("parking", topic);
    if (site.kind === "rejected") return site.reason;
    const parsed = parseTopic(site.root, topic);
    return parsed.kind === "report" || parsed.kind === "availability"
      ? { ...parsed, zone: siteZone(site.site, parsed.zone) }
      : parsed.kind === "rejected"
        ? parsed.reason
        : parsed.kind;
  };

  it("subscribes to every site's reports and availabilities", () => {
    expect(siteSubscriptionFilters("parking")).toEqual([
      "site/+/parking/+/+",
      "site/+/parking/+/+/availability",
    ]);
  });

  it("finds the site and its root", () => {
    expect(siteRootOf("parking", "site/lyon-1/parking/Zone_A/place_1")).toEqual({
      kind: "site",
      site: "lyon-1",
      root: "site/lyon-1/parking",
    });
  });

  it("qualifies the zone with the site, so two sites' zones never collide", () => {
    expect(parseSite("site/lyon-1/parking/Zone_A/place_1")).toEqual({
      kind: "report",
      zone: "lyon-1/Zone_A",
      spot: "place_1",
    });
    expect(parseSite("site/paris/parking/Zone_A/place_1/availability")).toEqual({
      kind: "availability",
      zone: "paris/Zone_A",
      spot: "place_1",
    });
  });

  it.each([
    "site/lyon-1/parking/summary",
    "site/lyon-1/parking/alerts",
    "site/lyon-1/parking/gateway/availability",
    "site/lyon-1/parking/Zone_A/place_1/config",
  ])("ignores what a site gateway publishes: %s", (topic) => {
    expect(parseSite(topic)).toBe("ignored");
  });

  it.each([
    ["not under site/", "parking/Zone_A/place_1"],
    ["an empty site", "site//parking/Zone_A/place_1"],
    ["a site that is not an id", "site/ly on/parking/Zone_A/place_1"],
    ["a 33-character site", `site/${"s".repeat(33)}/parking/Zone_A/place_1`],
    ["the site alone", "site/lyon-1"],
    ["another root under the site", "site/lyon-1/other/Zone_A/place_1"],
    ["a bad spot", "site/lyon-1/parking/Zone_A/pl@ce"],
    ["too many levels", "site/lyon-1/parking/Zone_A/place_1/availability/x"],
  ])("refuses %s as invalid_topic", (_what, topic) => {
    expect(parseSite(topic)).toBe("invalid_topic");
  });

  it("refuses a reserved zone at a site", () => {
    expect(parseSite("site/lyon-1/parking/summary/x")).toBe("reserved_zone");
  });

  it("refuses non-strings", () => {
    const site = siteRootOf("parking", 12 as unknown as string);
    expect(site.kind === "rejected" && site.reason).toBe("invalid_topic");
  });
});
