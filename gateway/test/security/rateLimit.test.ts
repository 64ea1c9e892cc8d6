import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/gateway.js";

const MAX = 5;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET from a chosen local address: every 127.x.y.z is this machine, and a client of its own. */
function get(url: string, localAddress = "127.0.0.1"): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Opens the live stream and resolves once its headers arrived; the returned function closes it. */
function openStream(url: string): Promise<{ status: number; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      resolve({ status: res.statusCode ?? 0, close: () => req.destroy() });
    });
    req.on("error", reject);
    req.end();
  });
}

describe(`--rate-limit ${MAX}`, () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ rateLimit: String(MAX) });
  });
  afterAll(async () => {
    await gateway?.dispose();
  });

  it("answers the request after the limit 429 with Retry-After, in the API's error shape", async () => {
    const url = `${gateway.baseUrl}/api/current`;
    // An open live stream is one request, however long it lasts.
    const stream = await openStream(`${gateway.baseUrl}/api/stream`);
    expect(stream.status).toBe(200);
    for (let i = 1; i < MAX; i++) expect((await get(url)).status).toBe(200);
    const refused = await get(url);
    stream.close();
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers["retry-after"]);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = JSON.parse(refused.body) as { success: boolean; statusCode: number; error: string };
    expect(body).toMatchObject({ success: false, statusCode: 429 });
    expect(body.error).toBe(
      `Too many requests from this address (more than 5 a minute): retry in ${retryAfter} ${retryAfter === 1 ? "second" : "seconds"}.`,
    );
    expect(refused.headers["content-type"]).toMatch(/^application\/json/);
    expect(refused.headers["x-content-type-options"]).toBe("nosniff");
    // Every API route shares the address's budget, write routes and unknown /api paths included.
    expect((await get(`${gateway.baseUrl}/api/history`)).status).toBe(429);
  });

  it("never limits /api/health, /metrics, the dashboard or /docs", async () => {
    for (let i = 0; i < MAX * 3; i++) {
      expect((await get(`${gateway.baseUrl}/api/health`)).status).toBe(200);
      expect((await get(`${gateway.baseUrl}/metrics`)).status).toBe(200);
      expect([200, 503]).toContain((await get(`${gateway.baseUrl}/`)).status);
      expect((await get(`${gateway.baseUrl}/docs/json`)).status).toBe(200);
    }
  });

  it("counts each client address on its own", async () => {
    expect((await get(`${gateway.baseUrl}/api/current`)).status).toBe(429);
    for (let i = 0; i < MAX; i++) {
      expect((await get(`${gateway.baseUrl}/api/current`, "127.0.0.2")).status).toBe(200);
    }
    expect((await get(`${gateway.baseUrl}/api/current`, "127.0.0.2")).status).toBe(429);
  });
});

describe("--rate-limit 0", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ rateLimit: "0" });
  });
  afterAll(async () => {
    await gateway?.dispose();
  });

  it("turns the limit off", async () => {
    for (let i = 0; i < 300; i++) {
      const answer = await get(`${gateway.baseUrl}/api/current`);
      expect(answer.status).toBe(200);
      expect(answer.headers["x-ratelimit-limit"]).toBeUndefined();
    }
  });
});
