import mqtt, { type MqttClient } from "mqtt";
import type { Browser, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  getJson,
  startTestGateway,
  type TestGateway,
  tempDir,
} from "../../../gateway/test/support/gateway.js";
import { type Mosquitto, startMosquitto } from "../../../testkit/mosquitto.js";
import { launchChromium, openDashboard, screenshotPath } from "./browser.js";

/**
 * The dashboard of a central gateway (`--site-topics`) in real Chromium: two sites bridged under
 * site/<id>/ (published there directly here), with the same zone and spot names at both.
 */
const SPOTS: Array<[site: string, zone: string, spot: string, status: "free" | "occupied"]> = [
  ["north", "Zone_A", "place_1", "occupied"],
  ["north", "Zone_A", "place_2", "free"],
  ["north", "Zone_B", "place_1", "occupied"],
  ["south", "Zone_A", "place_1", "free"],
  ["south", "Zone_A", "place_2", "free"],
];

let broker: Mosquitto;
let gateway: TestGateway;
let node: MqttClient;
let browser: Browser;

beforeAll(async () => {
  const dir = tempDir("parking-dashboard-sites-");
  broker = await startMosquitto(dir);
  gateway = await startTestGateway({ mqttUrl: broker.url, siteTopics: true }, dir);
  node = await mqtt.connectAsync(broker.url, { clientId: `dash-sites-${process.pid}`, clean: true });
  for (const [site, zone, spot, status] of SPOTS) {
    await node.publishAsync(
      `site/${site}/parking/${zone}/${spot}`,
      JSON.stringify({ status, confidence: 0.9 }),
      {
        qos: 1,
        retain: true,
      },
    );
  }
  await eventually(
    async () => {
      const { body } = await getJson<{ total: number }>(`${gateway.baseUrl}/api/current`);
      return body.total === SPOTS.length ? true : undefined;
    },
    10_000,
    "both sites' spots in the gateway",
  );
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await node?.endAsync();
  await gateway?.dispose();
  await broker?.stop();
});

const visibleSpots = (page: Page) =>
  page
    .locator('.zone:not([hidden]) [data-testid="spot"]')
    .evaluateAll((buttons) =>
      buttons.map((b) => `${b.getAttribute("data-zone")}/${b.getAttribute("data-spot")}`),
    );

describe("dashboard of a central gateway in Chromium", () => {
  it("narrows the map, cards, zone list, charts and export to the chosen site", async () => {
    const { page, errors } = await openDashboard(browser, gateway.baseUrl);
    const requests: string[] = [];
    page.on("request", (request: Request) => requests.push(request.url()));
    await expect.poll(() => visibleSpots(page), { timeout: 5_000 }).toHaveLength(SPOTS.length);
    const siteControl = page.locator('[data-testid="site-control"]');
    await expect.poll(() => siteControl.isVisible()).toBe(true);
    const siteSelect = page.locator('[data-testid="site-filter"]');
    expect(await siteSelect.locator("option").allInnerTexts()).toEqual(["All sites", "north", "south"]);

    await siteSelect.selectOption("south");
    await expect.poll(() => visibleSpots(page)).toEqual(["south/Zone_A/place_1", "south/Zone_A/place_2"]);
    expect(await page.locator('[data-testid="zone-filter"] option').allInnerTexts()).toEqual([
      "All zones",
      "south/Zone_A",
    ]);
    await expect.poll(() => page.locator('[data-testid="card-total"]').innerText()).toContain("2");
    expect(await page.locator('[data-testid="card-occupied"]').innerText()).toContain("0");
    const exportHref = new URL(
      (await page.locator('[data-testid="export-csv"]').getAttribute("href")) ?? "",
      gateway.baseUrl,
    );
    expect(exportHref.searchParams.get("site")).toBe("south");
    await expect
      .poll(() => requests.filter((url) => /\/api\/(occupancy|stats\/hourly)\?.*site=south/.test(url)).length)
      .toBe(2);
    await page.screenshot({ path: screenshotPath("sites-south"), fullPage: true });

    // A zone of the site, then another site: the zone of the first site is let go.
    await page.locator('[data-testid="zone-filter"]').selectOption("south/Zone_A");
    await siteSelect.selectOption("north");
    await expect
      .poll(() => visibleSpots(page))
      .toEqual(["north/Zone_A/place_1", "north/Zone_A/place_2", "north/Zone_B/place_1"]);
    expect(await page.locator('[data-testid="zone-filter"]').inputValue()).toBe("");
    await expect.poll(() => page.locator('[data-testid="card-occupied"]').innerText()).toContain("2");

    await siteSelect.selectOption("");
    await expect.poll(() => visibleSpots(page)).toHaveLength(SPOTS.length);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
