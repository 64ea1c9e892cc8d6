import { formatSseEvent, SSE_KEEPALIVE } from "./sse.js";

/** What the hub needs of a response: node's http.ServerResponse, or any Writable. */
export interface SseClient {
  write(chunk: string): boolean;
  end(): void;
  destroy?(): void;
  /** Bytes queued and not yet handed to the OS, when the stream can tell. */
  readonly writableLength?: number;
  readonly destroyed?: boolean;
  on(event: "drain" | "close" | "error", listener: () => void): unknown;
}

export interface LiveHubOptions {
  /**
   * Default 15 000 ms. Every this often, clients that heard nothing for this long get a
   * comment, so none is silent for more than twice this; busy clients get none.
   */
  keepAliveMs?: number;
  /**
   * A client with more than this queued behind a full socket for longer than slowClientGraceMs
   * is dropped; default 1 MiB.
   */
  maxBufferedBytes?: number;
  /**
   * A client with more than this queued is dropped at once: the most one client can cost. Default
   * 8 MiB, above one commit's burst (the broker's 10 000 in-flight reports, ~3 MB of events),
   * which reaches every client in one synchronous run that no socket could drain meanwhile.
   */
  maxBurstBytes?: number;
  /** How long a client may stay over maxBufferedBytes without draining; default 2 000 ms. */
  slowClientGraceMs?: number;
  now?: () => number;
}

interface Connection {
  res: SseClient;
  /** Bytes written since a write last returned false; a fallback for `writableLength`. */
  unflushedBytes: number;
  waitingForDrain: boolean;
  lastWriteAt: number;
  /** When the queue last went over maxBufferedBytes without draining since; null while under it. */
  behindSince: number | null;
}

/** Tells EventSource to reconnect after 3 s; the comment gets the response flowing at once. */
const GREETING = "retry: 3000\n\n: connected\n\n";

/**
 * Fans live events out to Server-Sent Events clients. Each broadcast is serialised once.
 * A client that cannot keep up is disconnected, never buffered without bound: its EventSource
 * reconnects and starts again from the current state. A burst (a large commit) may queue more
 * than maxBufferedBytes for a moment even for a fast client, so that alone is forgiven for
 * slowClientGraceMs; maxBurstBytes is the hard bound.
 */
export class LiveHub {
  private readonly keepAliveMs: number;
  private readonly maxBufferedBytes: number;
  private readonly maxBurstBytes: number;
  private readonly slowClientGraceMs: number;
  private readonly now: () => number;
  private readonly connections = new Set<Connection>();
  private timer: NodeJS.Timeout | undefined;
  private dropped = 0;

  constructor(options: LiveHubOptions = {}) {
    this.keepAliveMs = options.keepAliveMs ?? 15_000;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
    this.maxBurstBytes = Math.max(this.maxBufferedBytes, options.maxBurstBytes ?? 8 * 1024 * 1024);
    this.slowClientGraceMs = options.slowClientGraceMs ?? 2_000;
    this.now = options.now ?? Date.now;
  }

  get clientCount(): number {
    return this.connections.size;
  }

  /** The longest queue behind any one client's socket, in bytes: what the slowest client costs now. */
  get largestQueueBytes(): number {
    let largest = 0;
    for (const c of this.connections) largest = Math.max(largest, c.res.writableLength ?? c.unflushedBytes);
    return largest;
  }

  /** Clients disconnected for falling too far behind (see maxBufferedBytes and maxBurstBytes). */
  get droppedClients(): number {
    return this.dropped;
  }

  /** Starts streaming to `res`; the returned function ends it. Also ends when `res` closes. */
  attach(res: SseClient): () => void {
    const connection: Connection = {
      res,
      unflushedBytes: 0,
      waitingForDrain: false,
      lastWriteAt: 0,
      behindSince: null,
    };
    const detach = () => {
      if (this.remove(connection)) res.end();
    };
    if (res.destroyed) return detach;
    res.on("close", () => this.remove(connection));
    // Without a listener an error event would crash the gateway; the socket is gone anyway.
    res.on("error", () => this.remove(connection));
    res.on("drain", () => {
      connection.waitingForDrain = false;
      connection.unflushedBytes = 0;
      connection.behindSince = null;
    });
    this.connections.add(connection);
    this.timer ??= setInterval(() => this.keepAlive(), this.keepAliveMs).unref();
    this.send(connection, GREETING, Buffer.byteLength(GREETING));
    return detach;
  }

  broadcast(event: string, data: unknown): void {
    if (this.connections.size === 0) return;
    const chunk = formatSseEvent(event, data);
    const bytes = Buffer.byteLength(chunk);
    for (const connection of this.connections) this.send(connection, chunk, bytes);
  }

  /** Ends every client and stops the keep-alive timer. */
  close(): void {
    for (const connection of this.connections) {
      this.remove(connection);
      connection.res.end();
    }
  }

  private keepAlive(): void {
    const idleSince = this.now() - this.keepAliveMs;
    for (const connection of this.connections) {
      if (connection.lastWriteAt <= idleSince) {
        this.send(connection, SSE_KEEPALIVE, SSE_KEEPALIVE.length);
      }
    }
  }

  private send(connection: Connection, chunk: string, bytes: number): void {
    const { res } = connection;
    const now = this.now();
    connection.lastWriteAt = now;
    if (!res.write(chunk)) connection.waitingForDrain = true;
    if (!connection.waitingForDrain) return;
    connection.unflushedBytes += bytes;
    const queued = res.writableLength ?? connection.unflushedBytes;
    if (queued <= this.maxBufferedBytes) return;
    connection.behindSince ??= now;
    const tooLong = now - connection.behindSince > this.slowClientGraceMs;
    if ((queued > this.maxBurstBytes || tooLong) && this.remove(connection)) {
      this.dropped += 1;
      if (res.destroy) res.destroy();
      else res.end();
    }
  }

  /** False when the connection was already gone, so each one is ended and counted once. */
  private remove(connection: Connection): boolean {
    if (!this.connections.delete(connection)) return false;
    if (this.connections.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    return true;
  }
}
