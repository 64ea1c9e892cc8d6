import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DASHBOARD_HEADERS } from "../../src/http/dashboard.js";
import { API_CSP, DOCS_CSP } from "../../src/http/securityHeaders.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";

type Headers = Record<string, string | string[] | undefined>;

/** Status and headers of a GET; for the endless live stream, as soon as the headers arrive. */
function head(url: string): Promise<{ status: number; headers: Headers; body: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      const body = new Promise<string>((done) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => done(text));
      });
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      if (res.headers["content-type"]?.startsWith("text/event-stream")) req.destroy();
    });
    req.on("error", reject);
    req.end();
  });
}

function expectBase(headers: Headers): void {
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("no-referrer");
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["cross-origin-resource-policy"]).toBe("same-origin");
  expect(String(headers["content-security-policy"])).toContain("frame-ancestors 'none'");
}

describe("security headers", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway?.dispose();
  });

  it("on JSON answers, errors included: nothing in them may load or run", async () => {
    for (const [path, status] of [
      ["/api/current", 200],
      ["/api/health", 200],
      ["/metrics", 200],
      ["/api/history?limit=0", 400],
      ["/api/nothing-here", 404],
      ["/../../package.json", 404],
    ] as const) {
      const answer = await head(`${gateway.baseUrl}${path}`);
      expect(answer.status, path).toBe(status);
      expectBase(answer.headers);
      expect(answer.headers["content-security-policy"], path).toBe(API_CSP);
    }
  });

  it("on the live stream, which writes its own headers", async () => {
    const answer = await head(`${gateway.baseUrl}/api/stream`);
    expect(answer.status).toBe(200);
    expectBase(answer.headers);
    expect(answer.headers["content-security-policy"]).toBe(API_CSP);
  });

  it("on both exports, the workbook too, which writes its own headers", async () => {
    for (const path of ["/api/export.csv", "/api/export.xlsx"]) {
      const answer = await head(`${gateway.baseUrl}${path}`);
      expect(answer.status, path).toBe(200);
      await answer.body;
      expectBase(answer.headers);
      expect(answer.headers["content-security-policy"], path).toBe(API_CSP);
      expect(String(answer.headers["content-disposition"]), path).toMatch(/^attachment; filename=/);
    }
  });

  it("on the dashboard, which keeps its own policy", async () => {
    const answer = await head(`${gateway.baseUrl}/`);
    expect([200, 503]).toContain(answer.status);
    expectBase(answer.headers);
    expect(answer.headers["content-security-policy"]).toBe(DASHBOARD_HEADERS["content-security-policy"]);
  });

  it("on /docs, with a policy Swagger UI runs under; its page and scripts load", async () => {
    const page = await head(`${gateway.baseUrl}/docs/`);
    expect(page.status).toBe(200);
    expectBase(page.headers);
    expect(page.headers["content-security-policy"]).toBe(DOCS_CSP);
    const html = await page.body;
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    // No inline script: DOCS_CSP allows only 'self' scripts.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    for (const src of scripts) {
      const script = await head(new URL(src, `${gateway.baseUrl}/docs/`).href);
      expect(script.status, src).toBe(200);
      expect(script.headers["content-type"], src).toMatch(/javascript/);
      expectBase(script.headers);
      expect((await script.body).length).toBeGreaterThan(0);
    }
    const spec = await head(`${gateway.baseUrl}/docs/json`);
    expect(spec.status).toBe(200);
    const paths = Object.keys(JSON.parse(await spec.body).paths);
    expect(paths).toEqual(
      expect.arrayContaining(["/api/spots/{zone}/{spot}/config", "/api/spots/{zone}/{spot}"]),
    );
  });
});
