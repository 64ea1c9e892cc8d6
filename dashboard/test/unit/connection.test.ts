import { describe, expect, it } from "vitest";
import {
  type ConnectionEvent,
  INITIAL_CONNECTION,
  needsResync,
  nextConnection,
  retryDelayMs,
} from "../../src/connection.js";

const run = (...events: ConnectionEvent[]) => events.reduce(nextConnection, INITIAL_CONNECTION);

describe("connection state", () => {
  it("connects, goes live, and reconnects after a drop", () => {
    expect(run().state).toBe("connecting");
    expect(run("open").state).toBe("live");
    expect(run("open", "error").state).toBe("reconnecting");
    expect(run("open", "error", "open").state).toBe("live");
  });

  it("stays connecting while the first connection has never opened", () => {
    expect(run("error").state).toBe("connecting");
    expect(run("closed", "retry").state).toBe("connecting");
  });

  it("is offline when the stream gives up, and reconnecting when the page retries", () => {
    expect(run("open", "closed").state).toBe("offline");
    expect(run("open", "closed", "retry").state).toBe("reconnecting");
  });

  it("asks for a resync on every open but the first", () => {
    expect(needsResync(INITIAL_CONNECTION, "open")).toBe(false);
    const wasLive = run("open", "error");
    expect(needsResync(wasLive, "open")).toBe(true);
    expect(needsResync(wasLive, "error")).toBe(false);
  });

  it("backs off retries from 1 s, doubling, capped at 30 s, and resets on open", () => {
    expect([0, 1, 2, 3, 10].map(retryDelayMs)).toEqual([1000, 2000, 4000, 8000, 30_000]);
    expect(run("closed", "retry", "closed", "retry").attempts).toBe(2);
    expect(run("closed", "retry", "open").attempts).toBe(0);
  });
});
