import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { packageRoot } from "../../../firmware/tools/bundle.js";

export const DASHBOARD_NOT_BUILT = "The dashboard is not built: run npm run build.";

/**
 * The page talks only to its own origin: the LAN may have no internet, and nothing else should be
 * able to frame it or run in it. No inline script or style either: uPlot and the app set styles
 * through element.style, which CSP does not govern, never through style attributes or elements.
 */
export const DASHBOARD_HEADERS = {
  "content-security-policy":
    "default-src 'self'; img-src 'self' data:; style-src 'self'; connect-src 'self'; " +
    "worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; " +
    "frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
} as const;

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".txt": "text/plain; charset=utf-8",
};

type Encoding = "br" | "gzip";

interface Variant {
  body: Buffer;
  etag: string;
}

interface Asset {
  type: string;
  identity: Variant;
  encoded: Partial<Record<Encoding, Variant>>;
}

/** Where `npm run build` writes the dashboard; the same from gateway/src under vitest and from dist/. */
export function defaultDashboardDir(): string {
  return join(packageRoot(), "dist", "dashboard");
}

/**
 * Reads the built dashboard once, into memory: its files by URL path, `/` for index.html, or
 * null when it is not built. Only the folder's own files are listed, never its subfolders, so no
 * request can name anything else.
 */
export function loadDashboard(dir: string): Map<string, Asset> | null {
  if (!existsSync(join(dir, "index.html"))) return null;
  const names = new Set(
    readdirSync(dir, { withFileTypes: true })
      // A plain name is a literal route: no ":" or "*" that the router would read as a pattern.
      .filter((entry) => entry.isFile() && /^[\w.-]+$/.test(entry.name))
      .map((entry) => entry.name),
  );
  const assets = new Map<string, Asset>();
  for (const name of names) {
    if (name.endsWith(".gz") || name.endsWith(".br")) continue;
    const body = readFileSync(join(dir, name));
    const tag = createHash("sha256").update(body).digest("base64url").slice(0, 22);
    const asset: Asset = {
      type: CONTENT_TYPES[extname(name)] ?? "application/octet-stream",
      identity: { body, etag: `"${tag}"` },
      encoded: {},
    };
    if (names.has(`${name}.br`))
      asset.encoded.br = { body: readFileSync(join(dir, `${name}.br`)), etag: `"${tag}-br"` };
    if (names.has(`${name}.gz`)) {
      asset.encoded.gzip = { body: readFileSync(join(dir, `${name}.gz`)), etag: `"${tag}-gz"` };
    }
    assets.set(`/${name}`, asset);
  }
  const index = assets.get("/index.html");
  if (index) assets.set("/", index);
  return assets;
}

/**
 * Serves the built dashboard at `/`. Each file is a route of its own, so a path the build did
 * not write (../, %2e%2e, an encoded slash) matches nothing and gets the API's 404. Files are
 * not content-hashed, so every answer is revalidated (no-cache) and costs a 304 when unchanged.
 */
export function dashboardRoutes(app: FastifyInstance, dir = defaultDashboardDir()): void {
  const assets = loadDashboard(dir);
  if (assets === null) {
    app.log.warn({ dir }, DASHBOARD_NOT_BUILT);
    app.get("/", { schema: { hide: true } }, (_request, reply) =>
      reply.code(503).headers(DASHBOARD_HEADERS).type("text/plain; charset=utf-8").send(DASHBOARD_NOT_BUILT),
    );
    return;
  }
  for (const [path, asset] of assets) {
    app.get(path, { schema: { hide: true } }, (request, reply) => send(request, reply, asset));
  }
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset): FastifyReply {
  const encoding = chooseEncoding(request.headers["accept-encoding"], asset);
  const variant = (encoding && asset.encoded[encoding]) || asset.identity;
  reply.headers(DASHBOARD_HEADERS).headers({
    "content-type": asset.type,
    "cache-control": "no-cache",
    etag: variant.etag,
    vary: "Accept-Encoding",
  });
  if (matches(request.headers["if-none-match"], variant.etag)) return reply.code(304).send();
  if (encoding) reply.header("content-encoding", encoding);
  return reply.send(variant.body);
}

/** The best encoding the client accepts (q > 0) that the build wrote, or undefined for identity. */
export function chooseEncoding(
  header: string | undefined,
  asset: Pick<Asset, "encoded">,
): Encoding | undefined {
  if (!header) return undefined;
  const weights = new Map<string, number>();
  for (const part of header.split(",")) {
    const [token = "", ...params] = part.split(";").map((piece) => piece.trim().toLowerCase());
    const q = params.find((param) => param.startsWith("q="));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    weights.set(token, Number.isFinite(weight) ? weight : 0);
  }
  const accepts = (name: string) => (weights.get(name) ?? weights.get("*") ?? 0) > 0;
  for (const encoding of ["br", "gzip"] as const) {
    if (asset.encoded[encoding] && accepts(encoding)) return encoding;
  }
  return undefined;
}

function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((tag) => {
    const trimmed = tag.trim();
    return trimmed === "*" || trimmed.replace(/^W\//, "") === etag;
  });
}
