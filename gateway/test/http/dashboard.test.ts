import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { join } from "node:path";
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chooseEncoding, DASHBOARD_NOT_BUILT, dashboardRoutes } from "../../src/http/dashboard.js";
import { startTestGateway, type TestGateway, tempDir } from "../support/gateway.js";

const APP_JS = `console.log(${JSON.stringify("the dashboard ".repeat(50))});\n`;
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const INDEX = '<!doctype html><title>Smart parking</title><script type="module" src="/app.js"></script>\n';

/** A built dashboard as the build writes it, next to a package.json that must stay out of reach. */
function builtDashboard(): string {
  const root = tempDir("parking-dashboard-");
  dirs.push(root);
  writeFileSync(join(root, "package.json"), '{"name":"secret"}');
  const dir = join(root, "dist", "dashboard");
  mkdirSync(join(dir, "build"), { recursive: true });
  writeFileSync(join(dir, "build", "build.js"), "// the build script, not an asset");
  for (const [name, text] of [
    ["index.html", INDEX],
    ["app.js", APP_JS],
    ["app.css", "body{margin:0}"],
    ["sw.js", "self.addEventListener('fetch',()=>{});"],
    ["manifest.webmanifest", '{"name":"Smart parking"}'],
  ] as const) {
    writeFileSync(join(dir, name), text);
    writeFileSync(join(dir, `${name}.gz`), gzipSync(text, { level: 9 }));
    writeFileSync(join(dir, `${name}.br`), brotliCompressSync(text));
  }
  writeFileSync(join(dir, "app.js.map"), '{"version":3}');
  writeFileSync(join(dir, "icon-192.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  return dir;
}

function expectSecurityHeaders(headers: Record<string, unknown>): void {
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("no-referrer");
  const csp = String(headers["content-security-policy"]);
  for (const directive of [
    "default-src 'self'",
    "img-src 'self' data:",
    "style-src 'self'",
    "connect-src 'self'",
    "worker-src 'self'",
    "frame-ancestors 'none'",
  ]) {
    expect(csp).toContain(directive);
  }
  expect(csp).not.toContain("script-src");
  expect(csp).not.toContain("unsafe");
}

/** Exactly the path given, bytes as they are: fetch() would resolve ../ before sending. */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: "127.0.0.1", port, path }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (text: string) => {
        body += text;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    }).on("error", reject);
  });
}

describe("the built dashboard", () => {
  let app: FastifyInstance;
  let port: number;

  beforeAll(async () => {
    app = Fastify();
    dashboardRoutes(app, builtDashboard());
    app.get("/api/current", () => ({ success: true }));
    await app.listen({ port: 0, host: "127.0.0.1" });
    const address = app.server.address();
    port = typeof address === "object" && address ? address.port : 0;
  });

  afterAll(() => app.close());

  it("serves index.html at / with no-cache and the security headers", async () => {
    const response = await app.inject({ url: "/" });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(INDEX);
    expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(response.headers["cache-control"]).toBe("no-cache");
    expect(response.headers.vary).toBe("Accept-Encoding");
    expect(response.headers["content-encoding"]).toBeUndefined();
    expectSecurityHeaders(response.headers);
  });

  it("picks brotli, then gzip, by Accept-Encoding, and identity when neither is accepted", async () => {
    const cases: [string | undefined, string | undefined][] = [
      ["gzip, deflate, br, zstd", "br"],
      ["gzip, br;q=0", "gzip"],
      ["gzip", "gzip"],
      ["*", "br"],
      ["deflate", undefined],
      ["identity", undefined],
      [undefined, undefined],
    ];
    const etags = new Set<string>();
    for (const [accept, encoding] of cases) {
      const response = await app.inject({
        url: "/app.js",
        headers: accept === undefined ? {} : { "accept-encoding": accept },
      });
      expect(response.statusCode, accept).toBe(200);
      expect(response.headers["content-encoding"], accept).toBe(encoding);
      expect(response.headers["content-type"]).toBe("text/javascript; charset=utf-8");
      expect(response.headers.vary).toBe("Accept-Encoding");
      const body = response.rawPayload;
      const text =
        encoding === "br" ? brotliDecompressSync(body) : encoding === "gzip" ? gunzipSync(body) : body;
      expect(text.toString()).toBe(APP_JS);
      if (encoding !== undefined) expect(body.length).toBeLessThan(Buffer.byteLength(APP_JS));
      expectSecurityHeaders(response.headers);
      etags.add(String(response.headers.etag));
    }
    // One tag per representation, as each encoding is different bytes.
    expect(etags.size).toBe(3);
  });

  it("answers 304 when If-None-Match holds the current tag", async () => {
    const first = await app.inject({ url: "/app.js", headers: { "accept-encoding": "gzip" } });
    const etag = String(first.headers.etag);
    for (const tag of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const again = await app.inject({
        url: "/app.js",
        headers: { "accept-encoding": "gzip", "if-none-match": tag },
      });
      expect(again.statusCode, tag).toBe(304);
      expect(again.body).toBe("");
      expect(again.headers.etag).toBe(etag);
    }
    const other = await app.inject({ url: "/app.js", headers: { "if-none-match": etag } });
    expect(other.statusCode).toBe(200);
  });

  it("serves the service worker, manifest, icons and source map with their types", async () => {
    const types: Record<string, string> = {
      "/sw.js": "text/javascript; charset=utf-8",
      "/manifest.webmanifest": "application/manifest+json; charset=utf-8",
      "/icon-192.png": "image/png",
      "/app.js.map": "application/json; charset=utf-8",
      "/app.css": "text/css; charset=utf-8",
      "/index.html": "text/html; charset=utf-8",
    };
    for (const [url, type] of Object.entries(types)) {
      const response = await app.inject({ url, headers: { "accept-encoding": "gzip, br" } });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers["content-type"], url).toBe(type);
      expect(response.headers["cache-control"], url).toBe("no-cache");
    }
    const png = await app.inject({ url: "/icon-192.png", headers: { "accept-encoding": "gzip, br" } });
    expect(png.headers["content-encoding"]).toBeUndefined();
    const head = await app.inject({ method: "HEAD", url: "/app.css" });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe("");
  });

  it("serves nothing but the build's own files, whatever the path says", async () => {
    for (const path of [
      "/../package.json",
      "/%2e%2e/package.json",
      "/%2E%2E/%2E%2E/package.json",
      "/app.js/..%2f..%2fpackage.json",
      "/..%2f..%2fpackage.json",
      "/dist/dashboard/app.js",
      "/build/build.js",
      "/app.js.gz",
      "/app.js.br",
      "/app.js/",
      "/APP.JS",
      "/nothing-here",
    ]) {
      const response = await rawGet(port, path);
      expect(response.status, path).toBe(404);
      expect(response.body, path).not.toContain("secret");
    }
    expect((await rawGet(port, "/api/current")).status).toBe(200);
  });
});

describe("a gateway whose dashboard is not built", () => {
  it("answers / with 503 and one sentence, warns once at start, and keeps its API", async () => {
    const warnings: string[] = [];
    const logger = pino(
      { level: "warn" },
      { write: (line: string) => warnings.push(JSON.parse(line).msg as string) },
    );
    const app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
    const empty = tempDir("parking-no-dashboard-");
    dirs.push(empty);
    dashboardRoutes(app, empty);
    app.get("/api/current", () => ({ success: true }));
    try {
      const root = await app.inject({ url: "/" });
      expect(root.statusCode).toBe(503);
      expect(root.body).toBe(DASHBOARD_NOT_BUILT);
      expect(root.body).toBe("The dashboard is not built: run npm run build.");
      expect(root.headers["content-type"]).toBe("text/plain; charset=utf-8");
      expectSecurityHeaders(root.headers);
      expect((await app.inject({ url: "/app.js" })).statusCode).toBe(404);
      expect((await app.inject({ url: "/api/current" })).statusCode).toBe(200);
      expect(warnings).toEqual([DASHBOARD_NOT_BUILT]);
    } finally {
      await app.close();
    }
  });
});

describe("the gateway", () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway();
  });

  afterAll(() => gateway.dispose());

  it("serves the dashboard `npm run build` wrote at /, beside its API and /docs", async () => {
    const root = await fetch(`${gateway.baseUrl}/`);
    expect(root.status).toBe(200);
    expect(root.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expectSecurityHeaders(Object.fromEntries(root.headers));
    const html = await root.text();
    expect(html).toContain("/app.js");
    expect(html).toContain("/manifest.webmanifest");

    for (const path of ["/app.js", "/app.css", "/sw.js", "/manifest.webmanifest", "/icon-192.png"]) {
      expect((await fetch(`${gateway.baseUrl}${path}`)).status, path).toBe(200);
    }
    expect((await fetch(`${gateway.baseUrl}/api/current`)).status).toBe(200);
    expect((await fetch(`${gateway.baseUrl}/docs`)).status).toBe(200);
    const missing = await fetch(`${gateway.baseUrl}/no/such/page`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ success: false, statusCode: 404 });
  });
});

describe("chooseEncoding", () => {
  const both = {
    encoded: { br: { body: Buffer.alloc(0), etag: "" }, gzip: { body: Buffer.alloc(0), etag: "" } },
  };
  it("reads q-values and wildcards", () => {
    expect(chooseEncoding("br;q=0.5, gzip;q=1", both)).toBe("br");
    expect(chooseEncoding("*;q=0, gzip", both)).toBe("gzip");
    expect(chooseEncoding("*;q=0", both)).toBeUndefined();
    expect(chooseEncoding("BR", both)).toBe("br");
    expect(chooseEncoding("br", { encoded: {} })).toBeUndefined();
    expect(chooseEncoding("br;q=nonsense, gzip", both)).toBe("gzip");
  });
});
