import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../../../testkit/chromium.js";
import { REPO_ROOT } from "../../../testkit/paths.js";

/** Screenshots land here for a person to look at (ignored by git). */
export const TEST_OUTPUT = join(REPO_ROOT, "test-output", "dashboard");

export { launchChromium };

export interface DashboardPage {
  page: Page;
  /** Console errors and uncaught page errors so far. */
  errors: string[];
}

/** Opens the dashboard at `baseUrl` in a fresh context; every console error is kept for the test to check. */
export async function openDashboard(
  browser: Browser,
  baseUrl: string,
  options: {
    width?: number;
    height?: number;
    locale?: string;
    colorScheme?: "light" | "dark";
    /** Blocked unless asked for: a cached shell would hide what the gateway serves now. */
    serviceWorkers?: "allow" | "block";
  } = {},
): Promise<DashboardPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1366, height: options.height ?? 768 },
    locale: options.locale ?? "en-GB",
    colorScheme: options.colorScheme ?? "light",
    acceptDownloads: true,
    serviceWorkers: options.serviceWorkers ?? "block",
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(baseUrl);
  return { page, errors };
}

export function screenshotPath(name: string): string {
  mkdirSync(TEST_OUTPUT, { recursive: true });
  return join(TEST_OUTPUT, `${name}.png`);
}
