import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, gzipSync, constants as zlib } from "node:zlib";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchChromium } from "../testkit/chromium.js";
import { REPO_ROOT } from "../testkit/paths.js";
import { type BenchSpot, benchSpots, reportPayload, WindowedPublisher } from "./support/publisher.js";
import type { Rig } from "./support/rig.js";
import { type Distribution, distribution } from "./support/stats.js";

const DASHBOARD_DIR = join(REPO_ROOT, "dist", "dashboard");
/** One frame at 60 Hz, ms. */
const FRAME_MS = 1000 / 60;
const LONG_FRAME_MS = 50;

export interface LotOptions {
  spots: number;
  zones: number;
}

export interface FirstRenderOptions extends LotOptions {
  runs: number;
}

export interface LiveOptions extends LotOptions {
  /** Spot changes per second. */
  rate: number;
  durationS: number;
  /** Every n-th change is timed from publish to the page. */
  sampleEvery: number;
}

export interface FirstRenderResult {
  /** Navigation start → all spots in the page and the total card right, page clock, per run. */
  renderMs: number[];
  /** first-contentful-paint per run; null when Chromium gave none. */
  fcpMs: Array<number | null>;
  pageErrors: string[];
  chromium: string;
}

export interface LiveResult {
  sent: number;
  sentPerS: number;
  /** How long the frame recorder ran: from the first publish until the page had caught up. */
  recordedS: number;
  frames: number;
  interval: Distribution;
  droppedFrames: number;
  longFrames: number;
  /** Spots whose state in the page differs from the gateway's /api/current at the end. */
  mismatched: number;
  /** Spots whose state in the gateway differs from the last report published for them. */
  gatewayMismatched: number;
  delay: Distribution;
  sampled: number;
  /** Sampled changes the page never showed. */
  neverShown: number;
  pageErrors: string[];
}

export interface AssetSize {
  name: string;
  raw: number;
  gzip: number;
  brotli: number;
  /** Whether the sizes are of the build's own .gz/.br files (else compressed here). */
  prebuilt: { gzip: boolean; brotli: boolean };
}

/** A fresh context: empty cache, no service worker, so every run loads the page from the gateway. */
async function freshPage(
  browser: Browser,
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    viewport: { width: 1366, height: 768 },
    locale: "en-GB",
    serviceWorkers: "block",
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return { context, page, errors };
}

type State = "free" | "occupied";
const stateOf = (seq: number): State => (seq % 2 === 0 ? "free" : "occupied");
const keyOf = (s: { zone: string; spot: string }): string => `${s.zone}/${s.spot}`;

interface Current {
  total: number;
  free: number;
  occupied: number;
  spots: Array<{ zone: string; spot: string; state: string }>;
}

async function current(rig: Rig): Promise<Current> {
  const response = await fetch(`${rig.gateway.baseUrl}/api/current`);
  if (!response.ok) throw new Error(`GET /api/current answered ${response.status}`);
  return (await response.json()) as Current;
}

/**
 * Publishes one retained report per spot (every third occupied, the rest free) and waits until
 * /api/current has every one of them. Returns each spot's last seq.
 */
async function seedLot(rig: Rig, spots: BenchSpot[]): Promise<Map<string, number>> {
  const seqs = new Map<string, number>();
  const publisher = await WindowedPublisher.connect(rig.mosquitto.url, "bench-dashboard-seed", 500);
  try {
    for (const [i, spot] of spots.entries()) {
      const seq = i % 3 === 0 ? 1 : 2;
      seqs.set(keyOf(spot), seq);
      await publisher.publish(spot.topic, reportPayload(seq));
    }
    await publisher.settle();
  } finally {
    await publisher.close();
  }
  const deadline = performance.now() + 30_000;
  for (;;) {
    const c = await current(rig);
    if (c.total === spots.length && c.free + c.occupied === spots.length) return seqs;
    if (performance.now() > deadline)
      throw new Error(
        `the gateway did not show all ${spots.length} spots in time: total ${c.total}, free ${c.free}, occupied ${c.occupied}`,
      );
    await sleep(100);
  }
}

/** The little of the DOM the page functions below use (this project's Node code has no DOM types). */
interface PageDocument {
  querySelectorAll(selector: string): { length: number };
  querySelector(selector: string): { getAttribute(name: string): string | null } | null;
}

/**
 * Runs in the page: performance.now() once every spot is on the map and the total card shows
 * them (and, with `live`, the stream is live), else false. A function, not a string: the page's
 * CSP forbids eval, and Playwright evaluates string predicates with it.
 */
function lotShown({ spots, live }: { spots: number; live: boolean }): number | false {
  const doc = (globalThis as unknown as { document: PageDocument }).document;
  const shown =
    doc.querySelectorAll('[data-testid="spot"]').length === spots &&
    doc.querySelector('[data-testid="card-total"]')?.getAttribute("data-value") === String(spots) &&
    (!live || doc.querySelector('[data-testid="connection"]')?.getAttribute("data-state") === "live");
  return shown ? performance.now() : false;
}

/**
 * D1: loads the dashboard `runs` times, each in a fresh context, and takes, in the page's own
 * clock (0 = navigation start), the first animation frame at which all spots exist and the
 * total card is right.
 */
export async function runFirstRender(rig: Rig, o: FirstRenderOptions): Promise<FirstRenderResult> {
  await seedLot(rig, benchSpots(o.spots, o.zones));
  const browser = await launchChromium();
  const result: FirstRenderResult = { renderMs: [], fcpMs: [], pageErrors: [], chromium: browser.version() };
  try {
    for (let run = 0; run < o.runs; run++) {
      const { context, page, errors } = await freshPage(browser);
      try {
        await page.goto(`${rig.gateway.baseUrl}/`, { waitUntil: "commit" });
        const handle = await page.waitForFunction(
          lotShown,
          { spots: o.spots, live: false },
          {
            polling: "raf",
            timeout: 30_000,
          },
        );
        result.renderMs.push(Number(await handle.jsonValue()));
        const fcp = await page.evaluate(
          `performance.getEntriesByType("paint").find((e) => e.name === "first-contentful-paint")?.startTime ?? null`,
        );
        result.fcpMs.push(typeof fcp === "number" ? fcp : null);
        result.pageErrors.push(...errors);
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
  }
  return result;
}

/**
 * Installed in the page once it is live: a requestAnimationFrame loop that keeps every frame's
 * timestamp, and a MutationObserver that keeps when (Date.now()) each spot first took each state.
 */
const RECORDER = `(() => {
  const b = { frames: [], shown: {}, running: true };
  window.__bench = b;
  const loop = (t) => {
    if (!b.running) return;
    b.frames.push(t);
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
  new MutationObserver((records) => {
    const now = Date.now();
    for (const r of records) {
      const d = r.target.dataset;
      if (d.testid !== "spot") continue;
      const key = d.zone + "/" + d.spot + "/" + d.state;
      if (!(key in b.shown)) b.shown[key] = now;
    }
  }).observe(document.querySelector('[data-testid="map"]'), {
    subtree: true,
    attributes: true,
    attributeFilter: ["data-state"],
  });
})()`;

const PAGE_STATES = `Object.fromEntries([...document.querySelectorAll('[data-testid="spot"]')].map((e) => [e.dataset.zone + "/" + e.dataset.spot, e.dataset.state]))`;

function countMismatches(page: Record<string, string>, gateway: Map<string, string>): number {
  let n = 0;
  for (const [key, state] of gateway) if (page[key] !== state) n++;
  for (const key of Object.keys(page)) if (!gateway.has(key)) n++;
  return n;
}

/**
 * D2: the live dashboard while spots change at `rate` per second over MQTT: its frames, whether
 * it ends up showing what the gateway has, and publish → shown delay for every n-th change.
 */
export async function runLiveUpdates(rig: Rig, o: LiveOptions): Promise<LiveResult> {
  const spots = benchSpots(o.spots, o.zones);
  const seqs = await seedLot(rig, spots);
  const browser = await launchChromium();
  const publisher = await WindowedPublisher.connect(rig.mosquitto.url, "bench-dashboard-live", 100);
  try {
    const { page, errors } = await freshPage(browser);
    await page.goto(`${rig.gateway.baseUrl}/`);
    await page.waitForFunction(lotShown, { spots: o.spots, live: true }, { timeout: 30_000 });
    await page.evaluate(RECORDER);

    // Spots in a stride coprime with their count: every change is another spot, across all zones.
    const stride = 397;
    const total = Math.round(o.rate * o.durationS);
    const samples = new Map<string, number>();
    const start = performance.now();
    for (let n = 0; n < total; n++) {
      // Due times come from the start, so lateness does not add up.
      const wait = start + (n * 1000) / o.rate - performance.now();
      if (wait > 0) await sleep(wait);
      const spot = spots[(n * stride) % spots.length] as BenchSpot;
      const seq = (seqs.get(keyOf(spot)) ?? 0) + 1;
      seqs.set(keyOf(spot), seq);
      if (n % o.sampleEvery === 0) samples.set(`${keyOf(spot)}/${stateOf(seq)}`, Date.now());
      await publisher.publish(spot.topic, reportPayload(seq));
    }
    const sentPerS = total / ((performance.now() - start) / 1000);
    await publisher.settle();

    // The gateway first, then the page, each given a few seconds to catch up.
    const expected = new Map([...seqs].map(([key, seq]) => [key, stateOf(seq)]));
    let gatewayStates = new Map<string, string>();
    for (const deadline = performance.now() + 10_000; ; ) {
      gatewayStates = new Map((await current(rig)).spots.map((s) => [keyOf(s), s.state]));
      if (countMismatches(Object.fromEntries(expected), gatewayStates) === 0) break;
      if (performance.now() > deadline) break;
      await sleep(100);
    }
    let mismatched = Number.NaN;
    for (const deadline = performance.now() + 5_000; ; ) {
      mismatched = countMismatches(
        (await page.evaluate(PAGE_STATES)) as Record<string, string>,
        gatewayStates,
      );
      if (mismatched === 0 || performance.now() > deadline) break;
      await sleep(100);
    }
    const recorded = (await page.evaluate(
      "(() => { window.__bench.running = false; return window.__bench; })()",
    )) as { frames: number[]; shown: Record<string, number> };

    const intervals = recorded.frames.slice(1).map((t, i) => t - (recorded.frames[i] as number));
    const delays: number[] = [];
    for (const [key, publishedAt] of samples) {
      const shownAt = recorded.shown[key];
      if (shownAt !== undefined) delays.push(shownAt - publishedAt);
    }
    const first = recorded.frames[0] ?? 0;
    return {
      sent: total,
      sentPerS,
      recordedS: ((recorded.frames[recorded.frames.length - 1] ?? first) - first) / 1000,
      frames: recorded.frames.length,
      interval: distribution(intervals),
      droppedFrames: intervals.reduce((sum, d) => sum + Math.max(0, Math.round(d / FRAME_MS) - 1), 0),
      longFrames: intervals.filter((d) => d > LONG_FRAME_MS).length,
      mismatched,
      gatewayMismatched: countMismatches(Object.fromEntries(expected), gatewayStates),
      delay: distribution(delays),
      sampled: samples.size,
      neverShown: samples.size - delays.length,
      pageErrors: errors,
    };
  } finally {
    await publisher.close();
    await browser.close();
  }
}

/**
 * D3: the files the gateway serves from dist/dashboard (its top level, without source maps),
 * with the gzip and brotli sizes it would send: the build's .gz/.br where it wrote them, else
 * compressed here at the highest level.
 */
export function assetSizes(dir = DASHBOARD_DIR): AssetSize[] {
  if (!existsSync(join(dir, "index.html")))
    throw new Error(`The dashboard is not built in ${dir}: run npm run build.`);
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && !/\.(map|gz|br)$/.test(e.name))
    .map((e) => e.name)
    .sort();
  return names.map((name) => {
    const file = join(dir, name);
    const body = readFileSync(file);
    const gz = existsSync(`${file}.gz`);
    const br = existsSync(`${file}.br`);
    return {
      name,
      raw: body.length,
      gzip: gz ? statSync(`${file}.gz`).size : gzipSync(body, { level: 9 }).length,
      brotli: br
        ? statSync(`${file}.br`).size
        : brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length,
      prebuilt: { gzip: gz, brotli: br },
    };
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
