import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from "fastify";
import type { Logger } from "pino";
import type { ApiContext } from "./context.js";
import { dashboardRoutes } from "./dashboard.js";
import { alertRoutes } from "./routes/alerts.js";
import { currentRoutes } from "./routes/current.js";
import { exportRoutes } from "./routes/export.js";
import { healthRoutes } from "./routes/health.js";
import { historyRoutes } from "./routes/history.js";
import { metricsRoutes } from "./routes/metrics.js";
import { spotRoutes } from "./routes/spots.js";
import { statsRoutes } from "./routes/stats.js";
import { streamRoutes } from "./routes/stream.js";
import { securityHeaders } from "./securityHeaders.js";

/** The largest request body: a node's settings take a few hundred bytes. */
export const BODY_LIMIT_BYTES = 16 * 1024;
const DOCS_PREFIX = "/docs";

/** Fastify's own body errors, in the API's words: what was wrong and what to send instead. */
const BODY_ERRORS: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: `The request body is larger than ${BODY_LIMIT_BYTES / 1024} KiB: send only the settings to change.`,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "The body must be JSON: send it with Content-Type: application/json.",
  FST_ERR_CTP_EMPTY_JSON_BODY: "The body is empty: send a JSON object.",
  FST_ERR_CTP_INVALID_JSON_BODY: "The body is not valid JSON: send a JSON object.",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "The body is not as long as its Content-Length says: send it again.",
};

const LOCATIONS: Record<string, string> = {
  querystring: "Query parameter",
  params: "Path parameter",
  body: "Body",
};

/**
 * The HTTP API. Validation errors name the parameter at fault, in one sentence, never a
 * stack trace; unknown query parameters are refused rather than silently ignored, so a typo
 * like `form=` does not return the whole history.
 */
export async function buildHttpApp(ctx: ApiContext, logger: Logger): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger.child({ component: "http" }) as FastifyBaseLogger,
    // A dashboard polls; a line per request would drown what matters.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
    schemaErrorFormatter: (errors, dataVar) => {
      const error = errors[0];
      const where = LOCATIONS[dataVar] ?? dataVar;
      if (!error) return new Error(`${where} is invalid.`);
      const extra = (error.params as { additionalProperty?: string }).additionalProperty;
      if (extra !== undefined) return new Error(`${where} ${extra} is not known here.`);
      const name = error.instancePath.replace(/^\//, "").replaceAll("/", ".");
      return new Error(`${where} ${name || "(all)"} ${error.message ?? "is invalid"}.`);
    },
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: "Smart parking gateway API",
        description: "Live state, history, statistics, alerts and exports of one parking lot.",
        version: "1",
      },
      tags: [
        { name: "lot", description: "Live state" },
        { name: "history", description: "Change events and exports" },
        { name: "statistics", description: "Aggregates for charts" },
        { name: "alerts", description: "Occupancy alert levels" },
        { name: "live", description: "Server-Sent Events" },
        { name: "operations", description: "Health and monitoring" },
        { name: "admin", description: "Write routes, behind the API token (--api-token)" },
      ],
      components: { securitySchemes: { bearerAuth: { type: "http", scheme: "bearer" } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
  securityHeaders(app, DOCS_PREFIX);
  // Every body the API takes is JSON; text would only reach the schema as a confusing string.
  app.removeContentTypeParser("text/plain");
  if (ctx.rateLimit > 0) await app.register(rateLimit, rateLimitOptions(ctx.rateLimit));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    const bodyError = error.code === undefined ? undefined : BODY_ERRORS[error.code];
    if (bodyError !== undefined) {
      return reply.code(status).send({ success: false, statusCode: status, error: bodyError });
    }
    if (status >= 500) {
      request.log.error({ err: error, url: request.url }, "request failed");
      return reply
        .code(status)
        .send({ success: false, statusCode: status, error: "Internal error; see the gateway log." });
    }
    return reply.code(status).send({ success: false, statusCode: status, error: error.message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      success: false,
      statusCode: 404,
      error: `No route ${request.method} ${request.url.split("?")[0]}.`,
    }),
  );

  // Live-stream responses never end by themselves; closing the server would wait for them forever.
  app.addHook("preClose", async () => ctx.hub.close());

  currentRoutes(app, ctx);
  historyRoutes(app, ctx);
  statsRoutes(app, ctx);
  alertRoutes(app, ctx);
  exportRoutes(app, ctx);
  streamRoutes(app, ctx);
  healthRoutes(app, ctx);
  metricsRoutes(app, ctx);
  spotRoutes(app, ctx);
  dashboardRoutes(app);
  return app;
}

/**
 * Per client address, over a one-minute window, on /api/ only: the dashboard's files and /docs
 * are static, and monitoring (/api/health, /metrics) must never be locked out by a busy page.
 * A live stream is one request however long it stays open, so it counts once.
 */
function rateLimitOptions(max: number) {
  return {
    max,
    timeWindow: 60_000,
    allowList: (request: { url: string }) => {
      const path = request.url.split("?")[0] ?? "";
      return !path.startsWith("/api/") || path === "/api/health";
    },
    errorResponseBuilder: (_request: unknown, context: { max: number; ttl: number }) => {
      // The same whole seconds as the Retry-After header.
      const seconds = Math.ceil(context.ttl / 1000);
      const error = new Error(
        `Too many requests from this address (more than ${context.max} a minute): retry in ${seconds} ${seconds === 1 ? "second" : "seconds"}.`,
      ) as Error & { statusCode: number };
      error.statusCode = 429;
      return error;
    },
  };
}
