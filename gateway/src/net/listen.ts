import type { Server } from "node:net";
import { UserFacingError } from "../errors.js";

export interface ListenTarget {
  port: number;
  host: string;
  /** How a person changes this port, e.g. "--http-port (PARKING_HTTP_PORT)". */
  setting: string;
  /** What listens there, for the message, e.g. "HTTP server". */
  what: string;
}

/** Listens, or fails with one sentence that names the setting to change. Resolves to the bound port. */
export function listen(server: Server, target: ListenTarget): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off("listening", onListening);
      reject(listenError(error, target));
    };
    const onListening = (): void => {
      server.off("error", onError);
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : target.port);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(target.port, target.host);
  });
}

/** The same for a Fastify app, which must listen itself so that its close() closes its connections. */
export async function listenApp(
  app: { listen(options: { port: number; host: string }): Promise<string>; server: Server },
  target: ListenTarget,
): Promise<number> {
  try {
    await app.listen({ port: target.port, host: target.host });
  } catch (error) {
    throw listenError(error as NodeJS.ErrnoException, target);
  }
  const address = app.server.address();
  return typeof address === "object" && address !== null ? address.port : target.port;
}

function listenError(error: NodeJS.ErrnoException, target: ListenTarget): Error {
  const where = `${target.host}:${target.port}`;
  if (error.code === "EADDRINUSE") {
    return new UserFacingError(
      `The ${target.what} cannot listen on ${where} because the port is already in use: choose another with ${target.setting}.`,
      { cause: error },
    );
  }
  if (error.code === "EACCES") {
    return new UserFacingError(
      `The ${target.what} is not allowed to listen on ${where} (ports below 1024 need privileges): choose another with ${target.setting}.`,
      { cause: error },
    );
  }
  if (error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND") {
    return new UserFacingError(
      `The ${target.what} cannot listen on ${target.host}, which is not an address of this machine: change --host (PARKING_HOST).`,
      { cause: error },
    );
  }
  return error;
}

export function isPortInUse(error: unknown): boolean {
  return error instanceof Error && (error.cause as NodeJS.ErrnoException | undefined)?.code === "EADDRINUSE";
}
