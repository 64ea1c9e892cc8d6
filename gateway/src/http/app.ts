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
import { statsRoutes } from "./routes/stats.js";
import { streamRoutes } from "./routes/stream.js";

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
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
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
  dashboardRoutes(app);
  return app;
}
