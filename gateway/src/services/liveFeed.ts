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
    this.bus.on(this, "spotChanged", ({ spot }) => this.hub.broadcast("spot", spotView(spot)));
    this.bus.on(this, "summary", (summary) => this.hub.broadcast("summary", summaryView(summary)));
    this.bus.on(this, "alert", ({ event }) => this.hub.broadcast("alert", alertView(event)));
  }

  stop(): void {
    this.bus.removeAll(this);
    this.hub.close();
  }
}
