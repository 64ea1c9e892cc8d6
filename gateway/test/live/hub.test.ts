import { EventEmitter } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LiveHub, type SseClient } from "../../src/live/hub.js";
import { SSE_KEEPALIVE } from "../../src/live/sse.js";

/** A response that records writes; `accepting` false plays a socket that stopped draining. */
class FakeResponse extends EventEmitter implements SseClient {
  written: string[] = [];
  accepting = true;
  ended = false;
  destroyed = false;

  write(chunk: string): boolean {
    this.written.push(chunk);
    return this.accepting;
  }

  end(): void {
    this.ended = true;
  }

  destroy(): void {
    this.destroyed = true;
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe("LiveHub", () => {
  it("greets a client with the retry delay and a comment", () => {
    const res = new FakeResponse();
    new LiveHub().attach(res);
    expect(res.written.join("")).toMatch(/^retry: 3000\n\n:[^\n]*\n\n$/);
  });

  it("serialises each broadcast once for every client", () => {
    const hub = new LiveHub();
    const clients = [new FakeResponse(), new FakeResponse(), new FakeResponse()];
    for (const client of clients) hub.attach(client);
    const toJSON = vi.fn(() => ({ free: 3 }));
    hub.broadcast("summary", { toJSON });
    expect(toJSON).toHaveBeenCalledTimes(1);
    for (const client of clients) expect(client.written.at(-1)).toBe('event: summary\ndata: {"free":3}\n\n');
    hub.close();
  });

  it("detaches once, by the returned function or on close", () => {
    const hub = new LiveHub();
    const first = new FakeResponse();
    const second = new FakeResponse();
    const detachFirst = hub.attach(first);
    hub.attach(second);
    detachFirst();
    detachFirst();
    expect(first.ended).toBe(true);
    second.emit("close");
    expect(hub.clientCount).toBe(0);
    expect(second.ended).toBe(false);
    hub.broadcast("spot", {});
    expect(first.written).toHaveLength(1);
  });

  it("drops at once a client more than maxBurstBytes behind, counting bytes when the stream cannot tell", () => {
    // Each broadcast below is 70 bytes: two fit, the third goes over.
    const hub = new LiveHub({ maxBufferedBytes: 100, maxBurstBytes: 200 });
    const slow = new FakeResponse();
    const fast = new FakeResponse();
    hub.attach(slow);
    hub.attach(fast);
    slow.accepting = false;
    hub.broadcast("spot", { pad: "x".repeat(40) });
    hub.broadcast("spot", { pad: "x".repeat(40) });
    expect(hub.droppedClients).toBe(0);
    expect(hub.largestQueueBytes).toBe(140);
    hub.broadcast("spot", { pad: "x".repeat(40) });
    expect(hub.droppedClients).toBe(1);
    expect(slow.destroyed).toBe(true);
    expect(hub.clientCount).toBe(1);
    expect(hub.largestQueueBytes).toBe(0);
    expect(fast.written).toHaveLength(4);
    slow.emit("close");
    expect(hub.droppedClients).toBe(1);
  });

  it("forgives a burst over maxBufferedBytes, and drops a client still behind after the grace time", () => {
    let now = 1_000;
    const hub = new LiveHub({
      maxBufferedBytes: 100,
      maxBurstBytes: 10_000,
      slowClientGraceMs: 2_000,
      now: () => now,
    });
    const client = new FakeResponse();
    hub.attach(client);
    client.accepting = false;
    for (let i = 0; i < 5; i++) hub.broadcast("spot", { pad: "x".repeat(40) });
    now += 2_000;
    hub.broadcast("spot", { pad: "x".repeat(40) });
    expect(hub.droppedClients).toBe(0);
    now += 1;
    hub.broadcast("spot", { pad: "x".repeat(40) });
    expect(hub.droppedClients).toBe(1);
    expect(client.destroyed).toBe(true);
  });

  it("starts the grace time again after a drain", () => {
    let now = 1_000;
    const hub = new LiveHub({
      maxBufferedBytes: 100,
      maxBurstBytes: 10_000,
      slowClientGraceMs: 2_000,
      now: () => now,
    });
    const client = new FakeResponse();
    hub.attach(client);
    client.accepting = false;
    for (let i = 0; i < 3; i++) hub.broadcast("spot", { pad: "x".repeat(40) });
    now += 1_500;
    client.emit("drain");
    for (let i = 0; i < 3; i++) hub.broadcast("spot", { pad: "x".repeat(40) });
    now += 1_500;
    hub.broadcast("spot", { pad: "x".repeat(40) });
    expect(hub.droppedClients).toBe(0);
    hub.close();
  });

  it("forgives a client whose socket drained", () => {
    const hub = new LiveHub({ maxBufferedBytes: 100 });
    const client = new FakeResponse();
    hub.attach(client);
    client.accepting = false;
    hub.broadcast("spot", { pad: "x".repeat(60) });
    client.accepting = true;
    client.emit("drain");
    hub.broadcast("spot", { pad: "x".repeat(60) });
    expect(hub.droppedClients).toBe(0);
    hub.close();
  });

  it("sends keep-alives only to idle clients, on one timer that stops with the last client", () => {
    vi.useFakeTimers();
    let now = 0;
    const hub = new LiveHub({ keepAliveMs: 1000, now: () => now });
    const idle = new FakeResponse();
    const busy = new FakeResponse();
    hub.attach(idle);
    now = 600;
    const detachBusy = hub.attach(busy);
    expect(vi.getTimerCount()).toBe(1);
    idle.written.length = 0;
    busy.written.length = 0;

    now = 1000;
    vi.advanceTimersByTime(1000);
    expect(idle.written).toEqual([SSE_KEEPALIVE]);
    expect(busy.written).toEqual([]);

    detachBusy();
    hub.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("ignores a response that is already gone", () => {
    const hub = new LiveHub();
    const gone = new FakeResponse();
    gone.destroyed = true;
    hub.attach(gone);
    expect(hub.clientCount).toBe(0);
    expect(gone.written).toEqual([]);
  });

  it("survives an error on a client's stream", () => {
    const hub = new LiveHub();
    const res = new FakeResponse();
    hub.attach(res);
    expect(() => res.emit("error", new Error("EPIPE"))).not.toThrow();
    expect(hub.clientCount).toBe(0);
  });
});
