import type { FastifyInstance } from "fastify";
import { LOT_SCOPE } from "../../lot/types.js";
import type { ApiContext } from "../context.js";
import { checkSiteZone, parseRange } from "../params.js";
import { rangeProperties, siteProperty, zoneProperty } from "../schemas.js";

interface RangeQuery {
  from?: string;
  to?: string;
  zone?: string;
  site?: string;
}

const DAY_MS = 86_400_000;
const MAX_POINTS = 1_000;

export function statsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const rangeQuery = {
    type: "object",
    additionalProperties: false,
    properties: { ...rangeProperties, ...zoneProperty, ...siteProperty },
  };

  app.get<{ Querystring: RangeQuery }>(
    "/api/stats/hourly",
    {
      schema: {
        summary: "Average occupancy by hour of day (gateway-local time); default the last 7 days",
        tags: ["statistics"],
        querystring: rangeQuery,
        response: {
          200: {
            type: "object",
            properties: {
              success: { type: "boolean" },
              statistics: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    hour: { type: "integer", minimum: 0, maximum: 23 },
                    avg_occupancy: { type: "number" },
                    samples: { type: "integer" },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const range = parseRange(request.query, { from: Date.now() - 7 * DAY_MS });
      const stats = await ctx.store.hourlyStats({ ...range, ...samplesOf(request.query) });
      return {
        success: true,
        statistics: stats.map((s) => ({ hour: s.hour, avg_occupancy: s.avgOccupancy, samples: s.samples })),
      };
    },
  );

  app.get<{ Querystring: RangeQuery }>(
    "/api/stats/zones",
    {
      schema: {
        summary: "Change events counted per zone; default all history",
        tags: ["statistics"],
        querystring: rangeQuery,
        response: {
          200: {
            type: "object",
            properties: {
              success: { type: "boolean" },
              zones: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    zone: { type: "string" },
                    occupied_events: { type: "integer" },
                    free_events: { type: "integer" },
                    offline_events: { type: "integer" },
                    unknown_events: { type: "integer" },
                    total_events: { type: "integer" },
                    last_event: { type: ["string", "null"] },
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
      checkSiteZone(request.query);
      const zones = await ctx.store.zoneStats({
        ...range,
        zone: request.query.zone,
        site: request.query.site,
      });
      return {
        success: true,
        zones: zones.map((z) => ({
          zone: z.zone,
          occupied_events: z.occupiedEvents,
          free_events: z.freeEvents,
          offline_events: z.offlineEvents,
          unknown_events: z.unknownEvents,
          total_events: z.totalEvents,
          last_event: z.lastEvent === null ? null : new Date(z.lastEvent).toISOString(),
        })),
      };
    },
  );

  app.get<{ Querystring: RangeQuery & { step?: number } }>(
    "/api/occupancy",
    {
      schema: {
        summary: "Occupancy time series for charts, columnar; default the last 30 minutes",
        tags: ["statistics"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            ...rangeProperties,
            ...zoneProperty,
            ...siteProperty,
            step: {
              type: "integer",
              minimum: 1,
              maximum: 31 * 86_400,
              description: "Bucket width in seconds; default: the range split into at most 1000 points",
            },
          },
        },
        response: {
          200: {
            type: "object",
            properties: {
              success: { type: "boolean" },
              zone: { type: ["string", "null"] },
              site: { type: ["string", "null"] },
              from: { type: "string" },
              to: { type: "string" },
              step: { type: "integer", description: "seconds" },
              timestamps: {
                type: "array",
                items: { type: "number" },
                description: "bucket starts, epoch ms",
              },
              occupancy_rate: { type: "array", items: { type: "number" } },
              free: { type: "array", items: { type: "number" } },
              occupied: { type: "array", items: { type: "number" } },
              offline: { type: "array", items: { type: "number" } },
              unknown: { type: "array", items: { type: "number" } },
            },
          },
        },
      },
    },
    async (request) => {
      const now = Date.now();
      const range = parseRange(request.query, { to: now });
      const to = range.to ?? now;
      const from = range.from ?? to - 30 * 60_000;
      const span = to - from;
      const autoStep = Math.max(ctx.sampleIntervalMs, Math.ceil(span / MAX_POINTS / 1000) * 1000);
      const stepMs = request.query.step !== undefined ? request.query.step * 1000 : autoStep;
      const series = await ctx.store.occupancySeries({ from, to, stepMs, ...samplesOf(request.query) });
      return {
        success: true,
        zone: request.query.zone ?? null,
        site: request.query.site ?? null,
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        step: Math.round(stepMs / 1000),
        timestamps: series.ts,
        occupancy_rate: series.occupancyRate,
        free: series.free,
        occupied: series.occupied,
        offline: series.offline,
        unknown: series.unknown,
      };
    },
  );
}

/**
 * Which samples a chart reads: a zone's own scope (with site too, once checked to be the site's),
 * else the site's zones combined per sample time, else the lot's.
 */
function samplesOf(query: RangeQuery): { scope: string } | { site: string } {
  checkSiteZone(query);
  if (query.zone !== undefined) return { scope: query.zone };
  if (query.site !== undefined) return { site: query.site };
  return { scope: LOT_SCOPE };
}
