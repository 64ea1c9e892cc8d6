import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../context.js";
import { parseRange } from "../params.js";
import { levelSchema, rangeProperties } from "../schemas.js";
import { alertView } from "../views.js";

export function alertRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: { from?: string; to?: string; limit: number } }>(
    "/api/alerts",
    {
      schema: {
        summary: "Current alert levels of the lot and each zone, thresholds, and level changes newest first",
        tags: ["alerts"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            ...rangeProperties,
            limit: { type: "integer", minimum: 1, maximum: 10_000, default: 100 },
          },
        },
        response: {
          200: {
            type: "object",
            properties: {
              success: { type: "boolean" },
              timestamp: { type: "string" },
              level: levelSchema,
              occupancy_rate: { type: "number" },
              zones: {
                type: "object",
                additionalProperties: {
                  type: "object",
                  properties: { level: levelSchema, occupancy_rate: { type: "number" } },
                },
              },
              thresholds: {
                type: "object",
                properties: {
                  high: { type: "number" },
                  critical: { type: "number" },
                  hysteresis: { type: "number" },
                },
              },
              history: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    id: { type: "integer" },
                    timestamp: { type: "string" },
                    zone: { type: ["string", "null"], description: "null for the whole lot" },
                    level: levelSchema,
                    previous: levelSchema,
                    occupancy_rate: { type: "number" },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const range = parseRange(request.query);
      const state = ctx.summary.alertState();
      const history = await ctx.store.alertHistory({ ...range, limit: request.query.limit });
      return {
        success: true,
        timestamp: new Date(state.timestamp).toISOString(),
        level: state.level,
        occupancy_rate: state.occupancyRate,
        zones: Object.fromEntries(
          Object.entries(state.zones).map(([zone, z]) => [
            zone,
            { level: z.level, occupancy_rate: z.occupancyRate },
          ]),
        ),
        thresholds: ctx.thresholds,
        history: history.map(alertView),
      };
    },
  );
}
