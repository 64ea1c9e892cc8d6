import { describe, expect, it } from "vitest";
import { exportUrl, withQuery } from "../../src/urls.js";

describe("urls", () => {
  it("leaves out empty parameters so the gateway's defaults apply", () => {
    expect(withQuery("/api/history", { zone: null, limit: 100, cursor: undefined, spot: "" })).toBe(
      "/api/history?limit=100",
    );
    expect(withQuery("/api/current")).toBe("/api/current");
  });

  it("builds export links with ISO times and the site and zone filter", () => {
    const from = Date.parse("2026-01-10T10:00:00Z");
    const to = Date.parse("2026-01-11T10:00:00Z");
    const url = new URL(exportUrl("xlsx", from, to, { site: null, zone: "Zone_A" }), "http://gateway");
    expect(url.pathname).toBe("/api/export.xlsx");
    expect(url.searchParams.get("from")).toBe("2026-01-10T10:00:00.000Z");
    expect(url.searchParams.get("to")).toBe("2026-01-11T10:00:00.000Z");
    expect(url.searchParams.get("zone")).toBe("Zone_A");
    expect(exportUrl("csv", from, to, { site: null, zone: null })).not.toMatch(/zone=|site=/);
    const site = new URL(
      exportUrl("csv", from, to, { site: "north", zone: "north/Zone_A" }),
      "http://gateway",
    );
    expect(site.searchParams.get("site")).toBe("north");
    expect(site.searchParams.get("zone")).toBe("north/Zone_A");
  });
});
