import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import type { Lot } from "../../lot/lot.js";
import { inSite, siteCounts } from "../../lot/sites.js";
import type { ApiContext } from "../context.js";
import { checkSiteZone } from "../params.js";
import { siteCountsSchema, siteProperty, spotSchema, summarySchema, zoneProperty } from "../schemas.js";
import { siteView, spotJson, summaryView } from "../views.js";

const COMMA = Buffer.from(",");
const END = Buffer.from("]}");

export function currentRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const zoneTexts = new ZoneTexts(ctx.lot);
  app.get<{ Querystring: { zone?: string; site?: string } }>(
    "/api/current",
    {
      schema: {
        summary: "The lot now: counts, rates and alert levels per zone (and per site), and every spot",
        tags: ["lot"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { ...zoneProperty, ...siteProperty },
        },
        response: {
          200: {
            type: "object",
            properties: {
              success: { type: "boolean" },
              ...summarySchema.properties,
              sites: {
                type: "object",
                additionalProperties: siteCountsSchema,
                description: "Only when zones are site-qualified (--site-topics): each site's zones summed.",
              },
              spots: { type: "array", items: spotSchema },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const { zone, site } = request.query;
      checkSiteZone(request.query);
      // The lot's own totals stay whole; zones, sites and spots narrow to what was asked for.
      const keep = (z: string) =>
        (zone === undefined || z === zone) && (site === undefined || inSite(z, site));
      const lot = ctx.summary.summary();
      const summary = summaryView(lot);
      const zones = Object.fromEntries(Object.entries(summary.zones).filter(([z]) => keep(z)));
      const sites = Object.entries(siteCounts(lot.zones)).filter(([s]) => site === undefined || s === site);
      const head = JSON.stringify({
        success: true,
        ...summary,
        zones,
        // Only a central gateway's lot has sites; a single-site answer keeps its old shape.
        ...(sites.length > 0 || site !== undefined
          ? { sites: Object.fromEntries(sites.map(([s, c]) => [s, siteView(c)])) }
          : {}),
      });
      // The schema above documents the answer; the text is put together from each zone's text,
      // kept until a spot of that zone changes: at 10 000 spots, serialising the whole answer on
      // every request took several times longer than everything else.
      const parts: Buffer[] = [Buffer.from(`${head.slice(0, -1)},"spots":[`)];
      for (const zoneId of ctx.lot.zoneIds()) {
        if (!keep(zoneId)) continue;
        if (parts.length > 1) parts.push(COMMA);
        parts.push(zoneTexts.get(zoneId));
      }
      parts.push(END);
      // Sent part by part rather than concatenated: a fresh 2.7 MB buffer per request (10 000
      // spots) pushed V8 into a full garbage collection every few dozen requests.
      const length = parts.reduce((sum, part) => sum + part.length, 0);
      return reply
        .type("application/json; charset=utf-8")
        .header("content-length", length)
        .send(Readable.from(parts, { objectMode: false }));
    },
  );
}

/** Each zone's spots as JSON (without brackets), made again only when the zone has changed. */
class ZoneTexts {
  readonly #texts = new Map<string, { version: number; text: Buffer }>();

  constructor(private readonly lot: Lot) {}

  get(zone: string): Buffer {
    const version = this.lot.zoneVersion(zone) ?? -1;
    let kept = this.#texts.get(zone);
    if (kept === undefined || kept.version !== version) {
      kept = { version, text: Buffer.from(this.lot.zoneSpots(zone).map(spotJson).join(",")) };
      this.#texts.set(zone, kept);
      // A zone whose last spot was retired must not stay in memory.
      if (this.#texts.size > this.lot.zoneIds().length) this.#forgetGoneZones();
    }
    return kept.text;
  }

  #forgetGoneZones(): void {
    const known = new Set(this.lot.zoneIds());
    for (const zone of this.#texts.keys()) if (!known.has(zone)) this.#texts.delete(zone);
  }
}
