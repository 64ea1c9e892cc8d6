import type { FastifyInstance, FastifyReply } from "fastify";
import type { AdminOutcome, NodeConfig } from "../../services/spotAdmin.js";
import { requireToken } from "../auth.js";
import type { ApiContext } from "../context.js";
import { errorSchema, idPattern } from "../schemas.js";

interface SpotParams {
  zone: string;
  spot: string;
}

const paramsSchema = {
  type: "object",
  required: ["zone", "spot"],
  properties: {
    zone: { type: "string", pattern: idPattern, description: "Zone id." },
    spot: { type: "string", pattern: idPattern, description: "Spot id." },
  },
} as const;

/**
 * The node settings the API may change, with the firmware's own names and ranges
 * (firmware/src/core/settings.ts, readSettings): a value the node would refuse is refused here,
 * with the field's name, instead of being published and logged away on the node.
 * gateway/test/security/config.test.ts checks both agree.
 */
export const nodeConfigSchema = {
  type: "object",
  additionalProperties: false,
  minProperties: 1,
  properties: {
    threshold_cm: { type: "number", minimum: 10, maximum: 390, description: "Occupied below this distance." },
    hysteresis_cm: { type: "number", minimum: 0, maximum: 100 },
    interval_s: { type: "number", minimum: 1, maximum: 3600, description: "Seconds between measurements." },
    heartbeat_s: { type: "number", minimum: 5, maximum: 3600, description: "Seconds between heartbeats." },
    pings: { type: "integer", minimum: 3, maximum: 15, description: "Pings per measurement." },
    cycles_to_change: { type: "integer", minimum: 1, maximum: 10 },
    calibrate: { type: "boolean", description: "Measure the empty spot for 10 s and set threshold_cm." },
  },
} as const;

const tokenSecurity = [{ bearerAuth: [] }];

/** Write routes: behind the API token, the only routes that change the lot. */
export function spotRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const preParsing = requireToken(ctx.apiToken, ctx.audit);

  app.put<{ Params: SpotParams; Body: NodeConfig }>(
    "/api/spots/:zone/:spot/config",
    {
      preParsing,
      schema: {
        summary: "Send settings to a spot's node (retained on its config topic, QoS 1)",
        description:
          "Needs `Authorization: Bearer <token>` (--api-token). 202 once handed to the broker; the node applies it when it next hears from the broker.",
        tags: ["admin"],
        security: tokenSecurity,
        params: paramsSchema,
        body: nodeConfigSchema,
        response: {
          202: { type: "object", properties: { success: { type: "boolean" }, topic: { type: "string" } } },
          "4xx": errorSchema,
          503: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const { zone, spot } = request.params;
      return answer(reply, ctx.spots.configure(zone, spot, request.body), zone, spot, 202);
    },
  );

  app.delete<{ Params: SpotParams }>(
    "/api/spots/:zone/:spot",
    {
      preParsing,
      schema: {
        summary: "Retire a decommissioned spot: forget it and clear its retained topics; history is kept",
        description: "Needs `Authorization: Bearer <token>` (--api-token).",
        tags: ["admin"],
        security: tokenSecurity,
        params: paramsSchema,
        response: {
          200: {
            type: "object",
            properties: { success: { type: "boolean" }, zone: { type: "string" }, spot: { type: "string" } },
          },
          "4xx": errorSchema,
          503: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const { zone, spot } = request.params;
      const outcome = await ctx.spots.retire(zone, spot);
      if (outcome.outcome === "done") return reply.code(200).send({ success: true, zone, spot });
      return answer(reply, outcome, zone, spot, 200);
    },
  );
}

function answer(reply: FastifyReply, outcome: AdminOutcome, zone: string, spot: string, ok: number) {
  switch (outcome.outcome) {
    case "done":
      return reply.code(ok).send({ success: true, topic: outcome.topic });
    case "unknown_spot":
      return reply.code(404).send({
        success: false,
        statusCode: 404,
        error: `No spot ${zone}/${spot} is known to the gateway: GET /api/current lists them.`,
      });
    case "mqtt_down":
      return reply.code(503).send({
        success: false,
        statusCode: 503,
        error: "The gateway is not connected to the MQTT broker: try again once /api/health shows mqtt ok.",
      });
  }
}
