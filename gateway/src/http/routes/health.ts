import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../context.js";

export function healthRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    "/api/health",
    {
      schema: {
        summary: "Real checks: database round trip, MQTT link, last message age, ingest counters, uptime",
        description:
          "200 when ok or degraded (e.g. broker unreachable), 503 when the database does not answer.",
        tags: ["operations"],
      },
    },
    async (_request, reply) => {
      const report = await ctx.health();
      return reply
        .code(report.status === "down" ? 503 : 200)
        .send({ success: report.status !== "down", ...report });
    },
  );
}
