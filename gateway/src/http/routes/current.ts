import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../context.js";
import { spotSchema, summarySchema, zoneProperty } from "../schemas.js";
import { spotView, summaryView } from "../views.js";

export function currentRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: { zone?: string } }>(
    "/api/current",
    {
      schema: {
        summary: "The lot now: counts, rates and alert levels per zone, and every spot",
        tags: ["lot"],
        querystring: { type: "object", additionalProperties: false, properties: { ...zoneProperty } },
        response: {
          200: {
            type: "object",
            properties: {
              success: { type: "boolean" },
              ...summarySchema.properties,
              spots: { type: "array", items: spotSchema },
            },
          },
        },
      },
    },
    async (request) => {
      const zone = request.query.zone;
      const summary = summaryView(ctx.summary.summary());
      const spots = [...ctx.lot.values()]
        .filter((s) => zone === undefined || s.zone === zone)
        .sort((a, b) => compareIds(a.zone, b.zone) || compareIds(a.spot, b.spot))
        .map(spotView);
      const zones = zone === undefined ? summary.zones : pick(summary.zones, zone);
      return { success: true, ...summary, zones, spots };
    },
  );
}

const collator = new Intl.Collator("en", { numeric: true });

/** place_2 before place_10, as a person counts. */
function compareIds(a: string, b: string): number {
  return collator.compare(a, b);
}

function pick<T>(record: Record<string, T>, key: string): Record<string, T> {
  return Object.hasOwn(record, key) ? { [key]: record[key] as T } : {};
}
