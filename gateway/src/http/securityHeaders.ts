import type { FastifyInstance } from "fastify";

/**
 * On every answer: no MIME sniffing, no referrer leaving the LAN, no framing (X-Frame-Options for
 * old browsers, frame-ancestors for the rest), and no other origin embedding what we serve.
 */
export const BASE_SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-resource-policy": "same-origin",
} as const;

/** JSON, CSV and the like are data, never a page: nothing in them may load or run anything. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * Swagger UI at /docs: its own scripts and styles, which it sets inline through style attributes,
 * and the OpenAPI document it fetches from /docs/json; no inline script, nothing from outside.
 */
export const DOCS_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * Adds the headers to every answer a route or an error sends. A route that set its own policy
 * (the dashboard) keeps it. The live stream writes its headers itself (it hijacks the reply),
 * so live/sse.ts carries BASE_SECURITY_HEADERS too.
 */
export function securityHeaders(app: FastifyInstance, docsPrefix: string): void {
  app.addHook("onSend", async (request, reply, payload) => {
    for (const [name, value] of Object.entries(BASE_SECURITY_HEADERS)) {
      if (!reply.hasHeader(name)) reply.header(name, value);
    }
    if (!reply.hasHeader("content-security-policy")) {
      const docs = request.url === docsPrefix || request.url.startsWith(`${docsPrefix}/`);
      reply.header("content-security-policy", docs ? DOCS_CSP : API_CSP);
    }
    return payload;
  });
}
