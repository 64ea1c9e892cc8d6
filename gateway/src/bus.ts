import { EventEmitter } from "node:events";
import type { AlertState, LotSummary } from "../../protocol/src/types.js";
import type { AlertEvent, ChangeEvent, Spot } from "./lot/types.js";

/** Everything the gateway tells its parts, by name, with its payload type. */
export interface GatewayEvents {
  /** A spot's state changed, and the change is committed to the store. */
  spotChanged: { event: ChangeEvent; spot: Spot };
  /** A fresh lot summary (coalesced: at most one per summary interval). */
  summary: LotSummary;
  /** An alert level changed, and the transition is committed to the store. */
  alert: { event: AlertEvent; state: AlertState };
}

type Listener<K extends keyof GatewayEvents> = (payload: GatewayEvents[K]) => void;

/**
 * A typed event bus. Listeners are registered per owner so a part's stop() removes all of
 * its own at once and none of anyone else's.
 */
export class GatewayBus {
  private readonly emitter = new EventEmitter({ captureRejections: false });
  private readonly owned = new Map<object, Array<[keyof GatewayEvents, (payload: unknown) => void]>>();

  constructor() {
    // Many SSE clients and integrations listen; the default cap of 10 is a leak detector we do not need.
    this.emitter.setMaxListeners(0);
  }

  on<K extends keyof GatewayEvents>(owner: object, name: K, listener: Listener<K>): void {
    this.emitter.on(name, listener);
    const list = this.owned.get(owner) ?? [];
    list.push([name, listener as (payload: unknown) => void]);
    this.owned.set(owner, list);
  }

  emit<K extends keyof GatewayEvents>(name: K, payload: GatewayEvents[K]): void {
    this.emitter.emit(name, payload);
  }

  removeAll(owner: object): void {
    for (const [name, listener] of this.owned.get(owner) ?? []) this.emitter.off(name, listener);
    this.owned.delete(owner);
  }
}
