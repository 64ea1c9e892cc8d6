import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { Aedes } from "aedes";
import type { Logger } from "pino";
import { createWebSocketStream, WebSocketServer } from "ws";
import { isPortInUse, listen } from "../net/listen.js";

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  wsPort: number;
  /**
   * When the ports are defaults rather than a person's choice, a taken port (often a system
   * Mosquitto on 1883) falls back to a free one with a warning, so `npm start` works anyway.
   */
  fallbackWhenTaken: boolean;
  logger: Logger;
}

export interface EmbeddedBroker {
  port: number;
  wsPort: number;
  /** URL the gateway itself connects with. */
  url: string;
  close(): Promise<void>;
}

/** The broker `npm start` needs when no --mqtt-url is given: Aedes on TCP and WebSocket. */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker();
  const tcp = createTcpServer(aedes.handle);
  const http = createHttpServer((_req, res) => {
    res.writeHead(426, { "content-type": "text/plain" }).end("MQTT over WebSocket only\n");
  });
  const wss = new WebSocketServer({ server: http });
  wss.on("connection", (socket, req) => {
    aedes.handle(createWebSocketStream(socket) as never, req as never);
  });
  try {
    const port = await listenWithFallback(
      tcp,
      options,
      options.port,
      "--mqtt-port (PARKING_MQTT_PORT)",
      "MQTT broker",
    );
    const wsPort = await listenWithFallback(
      http,
      options,
      options.wsPort,
      "--mqtt-ws-port (PARKING_MQTT_WS_PORT)",
      "MQTT WebSocket listener",
    );
    options.logger.info({ port, wsPort }, `embedded MQTT broker on tcp ${port}, websocket ${wsPort}`);
    return {
      port,
      wsPort,
      url: `mqtt://${connectHost(options.host)}:${port}`,
      close: () => closeAll(aedes, tcp, http, wss),
    };
  } catch (error) {
    await closeAll(aedes, tcp, http, wss);
    throw error;
  }
}

async function listenWithFallback(
  server: TcpServer | HttpServer,
  options: EmbeddedBrokerOptions,
  port: number,
  setting: string,
  what: string,
): Promise<number> {
  const target = { port, host: options.host, setting, what };
  try {
    return await listen(server, target);
  } catch (error) {
    if (!options.fallbackWhenTaken || !isPortInUse(error)) throw error;
    const bound = await listen(server, { ...target, port: 0 });
    options.logger.warn(
      `port ${port} is taken (a system Mosquitto?): the embedded ${what} listens on ${bound} instead; set ${setting} to choose`,
    );
    return bound;
  }
}

/** A wildcard listen address is not an address to connect to. */
function connectHost(host: string): string {
  if (host === "0.0.0.0" || host === "") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

async function closeAll(aedes: Aedes, tcp: TcpServer, http: HttpServer, wss: WebSocketServer): Promise<void> {
  // Aedes first: it ends its clients' connections, which the servers' close() waits for.
  await new Promise<void>((resolve) => aedes.close(() => resolve()));
  for (const client of wss.clients) client.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  await Promise.all([closeServer(tcp), closeServer(http)]);
}

function closeServer(server: TcpServer | HttpServer): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    if ("closeAllConnections" in server) server.closeAllConnections();
  });
}
