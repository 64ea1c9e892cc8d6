import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../context.js";
import { BadRequestError, checkSiteZone, parseRange } from "../params.js";
import { eventSchema, idPattern, rangeProperties, siteProperty, zoneProperty } from "../schemas.js";
import { eventView } from "../views.js";

interface HistoryQuery {
  zone?: string;
  site?: string;
  spot?: string;
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

export function historyRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: HistoryQuery }>(
    "/api/history",
    {
      schema: {
        summary: "Spot state changes, newest first, in pages",
        tags: ["history"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            ...zoneProperty,
            ...siteProperty,
            spot: { type: "string", pattern: idPattern },
            ...rangeProperties,
            limit: { type: "integer", minimum: 1, maximum: 10_000, default: 100 },
            cursor: { type: "string", maxLength: 200, description: "next_cursor of the previous page" },
          },
        },
        response: {
          200: {
            type: "object",
            properties: {
              success: { type: "boolean" },
              count: { type: "integer" },
              events: { type: "array", items: eventSchema },
              next_cursor: { type: ["string", "null"] },
            },
          },
        },
      },
    },
    async (request) => {
      const q = request.query;
      const range = parseRange(q);
      checkSiteZone(q);
      try {
        const page = await ctx.store.history({
          ...range,
          zone: q.zone,
          site: q.site,
          spot: q.spot,
          limit: q.limit,
          cursor: q.cursor,
        });
        return {
          success: true,
          count: page.events.length,
          events: page.events.map(eventView),
          next_cursor: page.nextCursor,
        };
      } catch (error) {
        if (error instanceof Error && error.name === "InvalidCursorError") {
          throw new BadRequestError(
            "Query parameter cursor is not a cursor this API gave out; start again without it.",
          );
        }
        throw error;
      }
    },
  );

  app.get<{ Querystring: { limit: number; site?: string } }>(
    "/api/events",
    {
      schema: {
        summary: "Latest changes in the original system's shape",
        tags: ["history"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            limit: { type: "integer", minimum: 1, maximum: 10_000, default: 50 },
            ...siteProperty,
          },
        },
        response: {
          200: {
            type: "object",
            properties: {
              success: { type: "boolean" },
              count: { type: "integer" },
              events: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    timestamp: { type: "string" },
                    zone: { type: "string" },
                    place_id: { type: "string" },
                    status: { type: "string" },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const page = await ctx.store.history({ limit: request.query.limit, site: request.query.site });
      const events = page.events.map((e) => ({
        timestamp: new Date(e.ts).toISOString(),
        zone: e.zone,
        place_id: e.spot,
        status: e.state,
      }));
      return { success: true, count: events.length, events };
    },
  );
}
