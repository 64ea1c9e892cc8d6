import type { FastifyInstance, FastifyReply } from "fastify";
import { csvExport } from "../../export/csv.js";
import { exportFilename } from "../../export/filename.js";
import type { ApiContext } from "../context.js";
import { checkSiteZone, parseRange } from "../params.js";
import { rangeProperties, siteProperty, zoneProperty } from "../schemas.js";
import { API_CSP, BASE_SECURITY_HEADERS } from "../securityHeaders.js";

interface ExportQuery {
  from?: string;
  to?: string;
  zone?: string;
  site?: string;
}

const querystring = {
  type: "object",
  additionalProperties: false,
  properties: { ...rangeProperties, ...zoneProperty, ...siteProperty },
};

function attachment(reply: FastifyReply, type: string, filename: string): void {
  reply.header("content-type", type).header("content-disposition", `attachment; filename="${filename}"`);
}

/** History exports, streamed from the store: memory stays flat however long the range. */
export function exportRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: ExportQuery }>(
    "/api/export.csv",
    {
      schema: {
        summary:
          "Spot changes as CSV (RFC 4180), oldest first; cells that a spreadsheet would evaluate are escaped",
        tags: ["history"],
        querystring,
        produces: ["text/csv"],
      },
    },
    async (request, reply) => {
      const range = parseRange(request.query);
      checkSiteZone(request.query);
      const { zone, site } = request.query;
      const events = ctx.store.streamEvents({ ...range, zone, site });
      attachment(reply, "text/csv; charset=utf-8", exportFilename("csv", range, zone ?? site));
      return reply.send(csvExport(events));
    },
  );

  app.get<{ Querystring: ExportQuery }>(
    "/api/export.xlsx",
    {
      schema: {
        summary:
          "Spot changes as an Excel workbook, oldest first; times are Excel dates in UTC, text stays text",
        tags: ["history"],
        querystring,
        produces: ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
      },
    },
    async (request, reply) => {
      const range = parseRange(request.query);
      checkSiteZone(request.query);
      const { zone, site } = request.query;
      const events = ctx.store.streamEvents({ ...range, zone, site });
      attachment(
        reply,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        exportFilename("xlsx", range, zone ?? site),
      );
      // The workbook writes straight to the socket; Fastify steps aside.
      reply.hijack();
      const res = reply.raw;
      // A hijacked reply skips the onSend hook that adds these to every other answer.
      res.writeHead(200, {
        ...BASE_SECURITY_HEADERS,
        "content-security-policy": API_CSP,
        ...(reply.getHeaders() as Record<string, string>),
      });
      try {
        // exceljs costs ~28 MB of memory: loaded on the first spreadsheet export, not at start.
        const { xlsxExport } = await import("../../export/xlsx.js");
        await xlsxExport(events, res);
      } catch (error) {
        request.log.warn({ err: error }, "xlsx export ended early");
      }
    },
  );
}
