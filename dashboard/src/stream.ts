import {
  type Connection,
  type ConnectionEvent,
  type ConnectionState,
  INITIAL_CONNECTION,
  needsResync,
  nextConnection,
  retryDelayMs,
} from "./connection.js";
import type { AlertChange, SpotView, Summary } from "./types.js";

export interface StreamHandlers {
  spot(spot: SpotView): void;
  summary(summary: Summary): void;
  alert(alert: AlertChange): void;
  state(state: ConnectionState): void;
  /** The stream came back after a gap (a gateway restart, a network drop): events were missed. */
  resync(): void;
}

/**
 * The gateway's live stream. EventSource retries a dropped connection by itself (every 3 s, as
 * the gateway asks); when it gives up (an error status, the browser going offline) the page
 * opens a new one with a back-off.
 */
export function openStream(url: string, handlers: StreamHandlers): void {
  let connection: Connection = INITIAL_CONNECTION;
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const move = (event: ConnectionEvent) => {
    const resync = needsResync(connection, event);
    const before = connection.state;
    connection = nextConnection(connection, event);
    if (connection.state !== before) handlers.state(connection.state);
    if (resync) handlers.resync();
  };

  const listen = <T>(es: EventSource, name: string, handle: (data: T) => void) => {
    es.addEventListener(name, (e) => {
      let data: T;
      try {
        data = JSON.parse((e as MessageEvent<string>).data) as T;
      } catch {
        return;
      }
      handle(data);
    });
  };

  const giveUp = () => {
    source?.close();
    source = null;
    move("closed");
    clearTimeout(timer);
    timer = setTimeout(() => connect(true), retryDelayMs(connection.attempts));
  };

  const connect = (retry: boolean) => {
    clearTimeout(timer);
    source?.close();
    if (retry) move("retry");
    const es = new EventSource(url);
    source = es;
    es.onopen = () => move("open");
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) giveUp();
      else move("error");
    };
    listen(es, "spot", handlers.spot);
    listen(es, "summary", handlers.summary);
    listen(es, "alert", handlers.alert);
  };

  addEventListener("offline", giveUp);
  addEventListener("online", () => connect(true));
  handlers.state(connection.state);
  connect(false);
}
