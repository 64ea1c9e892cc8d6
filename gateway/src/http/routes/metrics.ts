import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../context.js";

export function metricsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    "/metrics",
    {
      schema: {
        summary: "Prometheus metrics: ingest counters, spots by state, store commit latency, links",
        description:
          "Prometheus text exposition format 0.0.4, for a scraper on the LAN. Not token-protected and " +
          "not rate-limited: it holds counts and timings only, no personal data (no plates, no " +
          "people, no per-spot history, no settings or tokens).",
        tags: ["operations"],
        produces: ["text/plain"],
        response: { 200: { type: "string", description: "One sample per line: name{labels} value" } },
      },
    },
    async (_request, reply) => {
      const body = await ctx.metrics.render();
      return reply.type(ctx.metrics.contentType).send(body);
    },
  );
}
