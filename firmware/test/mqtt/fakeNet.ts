import type { Connect, Socket } from "../../src/mqtt/index.js";

/** A socket the test drives by hand: open it, feed it broker bytes, close it. */
export interface FakeSocket extends Socket {
  host: string;
  port: number;
  writes: string[];
  ended: boolean;
  open(): void;
  receive(bytes: string): void;
  close(): void;
}

export interface FakeNet {
  connect: Connect;
  sockets: FakeSocket[];
  last(): FakeSocket;
}

export function fakeNet(): FakeNet {
  const sockets: FakeSocket[] = [];
  const connect: Connect = (host, port, onConnected) => {
    const handlers: Record<string, Array<(arg: never) => void>> = { data: [], close: [], error: [] };
    const emit = (event: string, arg?: unknown): void => {
      for (const h of handlers[event] ?? []) (h as (a: unknown) => void)(arg);
    };
    const sock: FakeSocket = {
      host,
      port,
      writes: [],
      ended: false,
      write: (data: string) => sock.writes.push(data),
      end: () => {
        sock.ended = true;
      },
      on: (event: string, cb: (arg: never) => void) => handlers[event]?.push(cb),
      open: onConnected,
      receive: (bytes: string) => emit("data", bytes),
      close: () => emit("close"),
    };
    sockets.push(sock);
    return sock;
  };
  return {
    connect,
    sockets,
    last: () => {
      const sock = sockets[sockets.length - 1];
      if (sock === undefined) throw new Error("no socket opened yet");
      return sock;
    },
  };
}

/** Bytes written as hex pairs, for readable comparisons. */
export function hex(bin: string): string {
  const out: string[] = [];
  for (let i = 0; i < bin.length; i++) out.push(bin.charCodeAt(i).toString(16).padStart(2, "0"));
  return out.join(" ");
}

/** A binary string from hex pairs separated by spaces. */
export function bytes(hexPairs: string): string {
  return hexPairs
    .split(" ")
    .filter((h) => h !== "")
    .map((h) => String.fromCharCode(Number.parseInt(h, 16)))
    .join("");
}
