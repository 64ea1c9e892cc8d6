import { EventEmitter, once } from "node:events";
import { type ClientRequest, createServer, get, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { LiveHub } from "../../src/live/hub.js";
import { SSE_HEADERS } from "../../src/live/sse.js";

interface Message {
  event: string;
  data: unknown;
}

/** A real HTTP client that parses the stream as it arrives. */
class StreamClient extends EventEmitter {
  messages: Message[] = [];
  comments: string[] = [];
  retry: string | undefined;
  ended = false;
  private pending = "";
  private readonly request: ClientRequest;

  constructor(port: number) {
    super();
    this.request = get({ host: "127.0.0.1", port, path: "/api/stream" }, (res) => {
      res.setEncoding("utf8");
      res.on("data", (text: string) => this.receive(text));
      res.on("end", () => {
        this.ended = true;
        this.emit("update");
      });
    });
    this.request.on("error", () => {});
  }

  /** Resolves once the predicate holds, checked on every arrival. */
  until(predicate: (client: this) => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!predicate(this)) return;
        this.off("update", check);
        resolve();
      };
      this.on("update", check);
      check();
    });
  }

  disconnect(): void {
    this.request.destroy();
  }

  private receive(text: string): void {
    this.pending += text;
    let end = this.pending.indexOf("\n\n");
    while (end !== -1) {
      this.parse(this.pending.slice(0, end));
      this.pending = this.pending.slice(end + 2);
      end = this.pending.indexOf("\n\n");
    }
    this.emit("update");
  }

  private parse(block: string): void {
    let event = "message";
    let data: string | undefined;
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) this.comments.push(line.slice(1).trim());
      else if (line.startsWith("retry: ")) this.retry = line.slice(7);
      else if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data = line.slice(6);
    }
    if (data !== undefined) this.messages.push({ event, data: JSON.parse(data) });
  }
}

let server: Server | undefined;
let hub: LiveHub | undefined;

async function serve(options: ConstructorParameters<typeof LiveHub>[0] = {}): Promise<number> {
  const liveHub = new LiveHub(options);
  hub = liveHub;
  server = createServer((_req, res) => {
    res.writeHead(200, SSE_HEADERS);
    liveHub.attach(res);
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

async function connected(port: number): Promise<StreamClient> {
  const client = new StreamClient(port);
  await client.until((c) => c.retry !== undefined);
  return client;
}

afterEach(async () => {
  hub?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  hub = undefined;
  server = undefined;
});

describe("LiveHub over HTTP", () => {
  it("streams broadcasts in order", async () => {
    const port = await serve();
    const client = await connected(port);
    expect(client.retry).toBe("3000");
    hub?.broadcast("spot", { zone: "A", spot: "1", state: "occupied" });
    hub?.broadcast("summary", { free: 9, occupied: 1 });
    hub?.broadcast("alert", { scope: "*", level: "high" });
    await client.until((c) => c.messages.length === 3);
    expect(client.messages).toEqual([
      { event: "spot", data: { zone: "A", spot: "1", state: "occupied" } },
      { event: "summary", data: { free: 9, occupied: 1 } },
      { event: "alert", data: { scope: "*", level: "high" } },
    ]);
  });

  it("keeps an idle stream alive with comments", async () => {
    const port = await serve({ keepAliveMs: 50 });
    const client = await connected(port);
    await client.until((c) => c.comments.includes("keep-alive"));
  });

  it("forgets a client that disconnects", async () => {
    const port = await serve();
    const client = await connected(port);
    const other = await connected(port);
    expect(hub?.clientCount).toBe(2);
    client.disconnect();
    await expect.poll(() => hub?.clientCount).toBe(1);
    other.disconnect();
    await expect.poll(() => hub?.clientCount).toBe(0);
    expect(hub?.droppedClients).toBe(0);
  });

  it("drops a client that stops reading while a fast one keeps up", async () => {
    const port = await serve({ maxBufferedBytes: 256 * 1024 });
    const fast = await connected(port);
    const slow: Socket = connect(port, "127.0.0.1");
    // Never read: what the server sends piles up in the kernel, then in the response.
    slow.pause();
    slow.write("GET /api/stream HTTP/1.1\r\nHost: localhost\r\n\r\n");
    await expect.poll(() => hub?.clientCount).toBe(2);

    const pad = "x".repeat(64 * 1024);
    let sent = 0;
    while (hub?.droppedClients === 0 && sent < 2_000) {
      hub.broadcast("spot", { n: sent, pad });
      sent += 1;
      await fast.until((c) => c.messages.length === sent);
    }
    expect(hub?.droppedClients).toBe(1);
    expect(hub?.clientCount).toBe(1);
    hub?.broadcast("summary", { n: sent });
    await fast.until((c) => c.messages.length === sent + 1);
    expect(fast.messages.map((message) => (message.data as { n: number }).n)).toEqual(
      Array.from({ length: sent + 1 }, (_, n) => n),
    );
    // Reading now drains what the kernel held, then finds the connection closed.
    const closed = once(slow, "close");
    slow.resume();
    await closed;
  });

  it("ends every client on close", async () => {
    const port = await serve();
    const clients = [await connected(port), await connected(port)];
    hub?.close();
    expect(hub?.clientCount).toBe(0);
    await Promise.all(clients.map((client) => client.until((c) => c.ended)));
  });
});
