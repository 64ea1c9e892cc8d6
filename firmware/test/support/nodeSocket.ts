import { type Socket as NetSocket, connect as netConnect } from "node:net";
import type { Connect, Socket } from "../../src/mqtt/index.js";

/** Espruino's `net` over `node:net`, with the handles a test needs to break the link. */
export interface NodeNet {
  connect: Connect;
  /** Every socket opened, oldest first; destroy one to cut the link abruptly. */
  sockets: NetSocket[];
  /** Everything the client wrote, one string per write. */
  writes: string[];
  /** While true, bytes from the broker are thrown away: PUBACKs and PINGRESPs never arrive. */
  deaf: boolean;
  /** Where connections really go, whatever port the client asks for: lets a test move the broker. */
  port: number | undefined;
}

export function nodeNet(): NodeNet {
  const net: NodeNet = {
    sockets: [],
    writes: [],
    deaf: false,
    port: undefined,
    connect: (host, port, onConnected): Socket => {
      const sock = netConnect({ host, port: net.port ?? port }, onConnected);
      net.sockets.push(sock);
      return {
        write: (data: string) => {
          net.writes.push(data);
          sock.write(Buffer.from(data, "latin1"));
        },
        end: () => sock.end(),
        on: (event: string, cb: (arg: never) => void) => {
          if (event === "data") {
            sock.on("data", (chunk: Buffer) => {
              if (!net.deaf) (cb as (data: string) => void)(chunk.toString("latin1"));
            });
          } else if (event === "close") {
            sock.on("close", () => (cb as () => void)());
          } else {
            sock.on("error", cb as (e: Error) => void);
          }
        },
      };
    },
  };
  return net;
}

/** The socket opened last. */
export function lastSocket(net: NodeNet): NetSocket {
  const sock = net.sockets[net.sockets.length - 1];
  if (sock === undefined) throw new Error("no socket opened yet");
  return sock;
}
