import type { FastifyInstance } from "fastify";
import { formatSseEvent, SSE_HEADERS } from "../../live/sse.js";
import type { ApiContext } from "../context.js";
import { summaryView } from "../views.js";

/** Server-Sent Events: `spot`, `summary` and `alert`, with a keep-alive comment every 15 s. */
export function streamRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    "/api/stream",
    {
      schema: {
        summary: "Live events (text/event-stream): spot, summary, alert; the current summary is sent first",
        tags: ["live"],
        produces: ["text/event-stream"],
      },
    },
    (request, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, SSE_HEADERS);
      ctx.hub.attach(res);
      // A client (re)connecting starts from the current state, not from nothing.
      res.write(formatSseEvent("summary", summaryView(ctx.summary.summary())));
      request.log.debug({ clients: ctx.hub.clientCount }, "live stream client connected");
    },
  );
}
