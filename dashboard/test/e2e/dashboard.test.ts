import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import ExcelJS from "exceljs";
import mqtt, { type MqttClient } from "mqtt";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  getJson,
  startTestGateway,
  type TestGateway,
  tempDir,
} from "../../../gateway/test/support/gateway.js";
import { type Mosquitto, startMosquitto } from "../../../testkit/mosquitto.js";
import { freePort } from "../../../testkit/ports.js";
import { launchChromium, openDashboard, screenshotPath } from "./browser.js";

/**
 * The dashboard in real headless Chromium, against a gateway with a real Mosquitto: the
 * issue's list, each as a user would see it.
 */
const LOT: Array<[string, number]> = [
  ["Zone_A", 8],
  ["Zone_B", 6],
  ["Zone_C", 10],
];
const SPOTS = LOT.flatMap(([zone, n]) =>
  Array.from({ length: n }, (_, i) => ({ zone, spot: `place_${i + 1}` })),
);

let dir: string;
let broker: Mosquitto;
let gateway: TestGateway;
let httpPort: number;
let node: MqttClient;
let browser: Browser;
const seq = new Map<string, number>();

async function report(zone: string, spot: string, status: "free" | "occupied"): Promise<void> {
  const key = `${zone}/${spot}`;
  const next = (seq.get(key) ?? 0) + 1;
  seq.set(key, next);
  await node.publishAsync(
    `parking/${zone}/${spot}`,
    JSON.stringify({
      status,
      confidence: 0.93,
      distance_cm: status === "occupied" ? 112.4 : 248.9,
      seq: next,
      ts: Date.now(),
    }),
    { qos: 1, retain: true },
  );
}

/** Sets the lot to `occupied` spots occupied (in layout order), the rest free, and waits for the gateway. */
async function setOccupied(occupied: number): Promise<void> {
  await Promise.all(SPOTS.map((s, i) => report(s.zone, s.spot, i < occupied ? "occupied" : "free")));
  await eventually(
    async () => {
      const current = (await getJson<{ occupied: number; free: number }>(`${gateway.baseUrl}/api/current`))
        .body;
      return current.occupied === occupied && current.free === SPOTS.length - occupied ? true : undefined;
    },
    5_000,
    `${occupied} spots occupied in the gateway`,
  );
}

function spotState(page: Page, zone: string, spot: string): Promise<string | null> {
  return page
    .locator(`[data-testid="spot"][data-zone="${zone}"][data-spot="${spot}"]`)
    .getAttribute("data-state");
}

async function startGateway(): Promise<void> {
  gateway = await startTestGateway({ mqttUrl: broker.url, httpPort: String(httpPort) }, dir);
}

beforeAll(async () => {
  dir = tempDir("parking-dashboard-");
  broker = await startMosquitto(dir);
  httpPort = await freePort();
  await startGateway();
  node = await mqtt.connectAsync(broker.url, { clientId: `dash-nodes-${process.pid}`, clean: true });
  await setOccupied(12);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await node?.endAsync();
  await gateway?.dispose();
  await broker?.stop();
});

describe("dashboard in Chromium", () => {
  it("loads without console errors, maps 24 spots and shows the cards /api/current has", async () => {
    const { page, errors } = await openDashboard(browser, gateway.baseUrl);
    await expect.poll(() => page.locator('[data-testid="spot"]').count(), { timeout: 5_000 }).toBe(24);
    const current = (
      await getJson<{ total: number; free: number; occupied: number; occupancy_rate: number }>(
        `${gateway.baseUrl}/api/current`,
      )
    ).body;
    const card = (id: string) => page.locator(`[data-testid="card-${id}"]`).innerText();
    await expect.poll(() => card("total")).toContain(String(current.total));
    expect(await card("free")).toContain(String(current.free));
    expect(await card("occupied")).toContain(String(current.occupied));
    expect(await card("rate")).toContain(String(Math.round(current.occupancy_rate)));
    const occupiedOnMap = await page.locator('[data-testid="spot"][data-state="occupied"]').count();
    expect(occupiedOnMap).toBe(current.occupied);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("turns a spot occupied within 1 s of its report over MQTT", async () => {
    const { page, errors } = await openDashboard(browser, gateway.baseUrl);
    await expect
      .poll(() => page.locator('[data-testid="connection"]').getAttribute("data-state"), { timeout: 5_000 })
      .toBe("live");
    expect(await spotState(page, "Zone_C", "place_10")).toBe("free");
    const sent = Date.now();
    await report("Zone_C", "place_10", "occupied");
    await page.waitForSelector(
      '[data-testid="spot"][data-zone="Zone_C"][data-spot="place_10"][data-state="occupied"]',
      {
        timeout: 1_000,
      },
    );
    const seenAfterMs = Date.now() - sent;
    expect(seenAfterMs).toBeLessThan(1_000);
    await expect.poll(() => page.locator('[data-testid="activity"]').innerText()).toContain("place_10");
    expect(errors).toEqual([]);
    await page.context().close();
    await report("Zone_C", "place_10", "free");
  });

  it("shows the critical banner past 85 % and clears it below 80 %", async () => {
    await setOccupied(12);
    const { page, errors } = await openDashboard(browser, gateway.baseUrl);
    const critical = page.locator('[data-testid="alert-banner"][data-level="critical"]');
    await expect.poll(() => critical.count(), { timeout: 3_000 }).toBe(0);
    await setOccupied(21); // 87.5 %
    await expect.poll(() => critical.count(), { timeout: 3_000 }).toBeGreaterThan(0);
    expect(await critical.first().isVisible()).toBe(true);
    await setOccupied(18); // 75 %: below critical's 85 − 5
    await expect.poll(() => critical.count(), { timeout: 3_000 }).toBe(0);
    expect(errors).toEqual([]);
    await page.context().close();
    await setOccupied(12);
  });

  it("downloads CSV and XLSX exports that parse", async () => {
    const { page, errors } = await openDashboard(browser, gateway.baseUrl);
    const csvDownload = page.waitForEvent("download");
    await page.locator('[data-testid="export-csv"]').click();
    const csvFile = join(dir, "export.csv");
    await (await csvDownload).saveAs(csvFile);
    const rows = readFileSync(csvFile, "utf8").trim().split(/\r?\n/);
    expect(rows[0]).toMatch(/zone/);
    expect(rows.length).toBeGreaterThan(24);

    const xlsxDownload = page.waitForEvent("download");
    await page.locator('[data-testid="export-xlsx"]').click();
    const xlsxFile = join(dir, "export.xlsx");
    await (await xlsxDownload).saveAs(xlsxFile);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(xlsxFile);
    const sheet = workbook.worksheets[0];
    expect(sheet?.rowCount).toBe(rows.length);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("reconnects the live stream after the gateway restarts", async () => {
    const { page } = await openDashboard(browser, gateway.baseUrl);
    const connection = page.locator('[data-testid="connection"]');
    await expect.poll(() => connection.getAttribute("data-state"), { timeout: 5_000 }).toBe("live");
    await gateway.stop();
    await expect.poll(() => connection.getAttribute("data-state"), { timeout: 10_000 }).not.toBe("live");
    await startGateway();
    await expect.poll(() => connection.getAttribute("data-state"), { timeout: 20_000 }).toBe("live");
    await report("Zone_B", "place_6", "occupied");
    await page.waitForSelector(
      '[data-testid="spot"][data-zone="Zone_B"][data-spot="place_6"][data-state="occupied"]',
      {
        timeout: 3_000,
      },
    );
    await page.context().close();
    await report("Zone_B", "place_6", "free");
  }, 60_000);

  it("writes screenshots at desktop and phone widths, light and dark", async () => {
    for (const [name, width, height, colorScheme] of [
      ["desktop-1366x768", 1366, 768, "light"],
      ["phone-390x844", 390, 844, "light"],
      ["phone-390x844-dark", 390, 844, "dark"],
    ] as const) {
      const { page, errors } = await openDashboard(browser, gateway.baseUrl, { width, height, colorScheme });
      await expect.poll(() => page.locator('[data-testid="spot"]').count(), { timeout: 5_000 }).toBe(24);
      // Nothing wider than the screen: a phone in portrait scrolls down, never sideways.
      const overflow = Number(
        await page.evaluate("document.documentElement.scrollWidth - window.innerWidth"),
      );
      expect(overflow, name).toBeLessThanOrEqual(0);
      const file = screenshotPath(name);
      await page.screenshot({ path: file, fullPage: true });
      expect(statSync(file).size).toBeGreaterThan(10_000);
      expect(errors).toEqual([]);
      await page.context().close();
    }
  });

  it("is installable: a manifest with its icons, and a service worker that caches the shell", async () => {
    const manifest = await getJson<{
      name: string;
      start_url: string;
      display: string;
      icons: Array<{ src: string; sizes: string; type: string }>;
    }>(`${gateway.baseUrl}/manifest.webmanifest`);
    expect(manifest.status).toBe(200);
    expect(manifest.body).toMatchObject({ start_url: "/", display: "standalone" });
    for (const size of ["192x192", "512x512"]) {
      const icon = manifest.body.icons.find((i) => i.sizes === size && i.type === "image/png");
      expect(icon, size).toBeDefined();
      const response = await fetch(new URL(icon?.src ?? "", gateway.baseUrl));
      expect(response.headers.get("content-type")).toBe("image/png");
    }
    const { page, errors } = await openDashboard(browser, gateway.baseUrl, { serviceWorkers: "allow" });
    const state = await page.evaluate(
      "navigator.serviceWorker.ready.then((r) => r.active && r.active.state)",
    );
    expect(["activating", "activated"]).toContain(state);
    const cached = await page.evaluate(
      "caches.keys().then((keys) => Promise.all(keys.map((k) => caches.open(k).then((c) => c.keys())))).then((lists) => lists.flat().map((r) => new URL(r.url).pathname))",
    );
    expect(cached).toEqual(expect.arrayContaining(["/", "/app.js", "/app.css", "/manifest.webmanifest"]));
    // The live stream still passes through the worker untouched.
    await expect
      .poll(() => page.locator('[data-testid="connection"]').getAttribute("data-state"), { timeout: 5_000 })
      .toBe("live");
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("speaks French when the browser does, and can be switched", async () => {
    const { page } = await openDashboard(browser, gateway.baseUrl, { locale: "fr-FR" });
    await expect.poll(() => page.locator("html").getAttribute("lang"), { timeout: 5_000 }).toBe("fr");
    await expect.poll(() => page.locator('[data-testid="card-free"]').innerText()).toMatch(/libre/i);
    await page.locator('[data-testid="lang"]').selectOption("en");
    await expect.poll(() => page.locator("html").getAttribute("lang")).toBe("en");
    await expect.poll(() => page.locator('[data-testid="card-free"]').innerText()).toMatch(/free/i);
    await page.context().close();
  });
});
