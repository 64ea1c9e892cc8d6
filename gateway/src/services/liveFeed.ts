import type { GatewayBus } from "../bus.js";
import { alertView, spotView, summaryView } from "../http/views.js";
import type { LiveHub } from "../live/hub.js";

/** Forwards committed changes, summaries and alerts to live-stream clients, in the API's shapes. */
export class LiveFeed {
  constructor(
    private readonly bus: GatewayBus,
    private readonly hub: LiveHub,
  ) {}

  start(): void {
    // Views are built only when someone listens: ingest pays nothing for an unwatched stream.
    this.bus.on(this, "spotChanged", ({ spot }) => {
      if (this.hub.clientCount > 0) this.hub.broadcast("spot", spotView(spot));
    });
    this.bus.on(this, "summary", (summary) => {
      if (this.hub.clientCount > 0) this.hub.broadcast("summary", summaryView(summary));
    });
    this.bus.on(this, "alert", ({ event }) => {
      if (this.hub.clientCount > 0) this.hub.broadcast("alert", alertView(event));
    });
  }

  stop(): void {
    this.bus.removeAll(this);
    this.hub.close();
  }
}
