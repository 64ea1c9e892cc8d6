/** The live stream's state as the page shows it, as a pure state machine. */

export type ConnectionState = "connecting" | "live" | "reconnecting" | "offline";

/**
 * `open`: the stream answered; `error`: it dropped and EventSource is retrying by itself;
 * `closed`: EventSource gave up (or the browser is offline) and the page must retry;
 * `retry`: the page opens a new stream.
 */
export type ConnectionEvent = "open" | "error" | "closed" | "retry";

export interface Connection {
  state: ConnectionState;
  /** How many times the stream has opened: from the second on, events may have been missed. */
  opens: number;
  /** Page retries since the last open, for the back-off. */
  attempts: number;
}

export const INITIAL_CONNECTION: Connection = { state: "connecting", opens: 0, attempts: 0 };

export function nextConnection(c: Connection, event: ConnectionEvent): Connection {
  switch (event) {
    case "open":
      return { state: "live", opens: c.opens + 1, attempts: 0 };
    case "error":
      return { ...c, state: c.opens > 0 ? "reconnecting" : "connecting" };
    case "closed":
      return { ...c, state: "offline" };
    case "retry":
      return { ...c, state: c.opens > 0 ? "reconnecting" : "connecting", attempts: c.attempts + 1 };
  }
}

/** An open after an earlier one means a gap: the page must reload the lot to catch up. */
export function needsResync(before: Connection, event: ConnectionEvent): boolean {
  return event === "open" && before.opens > 0;
}

/** 1 s, 2 s, 4 s … capped at 30 s. */
export function retryDelayMs(attempts: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, attempts));
}
