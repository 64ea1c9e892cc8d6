import type { FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { LogRateLimiter } from "../logging/rateLimit.js";

/** Why a write was refused before its route ran. */
export type TokenRefusal = "disabled" | "missing" | "wrong";

export const TOKEN_REFUSALS: readonly TokenRefusal[] = ["disabled", "missing", "wrong"];

/**
 * Who wrote, and who tried: every write that passed the token is logged with its client
 * address; refusals are counted (for /metrics) and logged at most 10 a minute, so someone
 * guessing tokens shows up without filling the disk.
 */
export class WriteAudit {
  readonly refusals: Record<TokenRefusal, number> = { disabled: 0, missing: 0, wrong: 0 };
  private readonly refusalLog = new LogRateLimiter(10, 60_000);

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  allowed(request: FastifyRequest): void {
    this.logger.info(
      { client: request.ip, method: request.method, url: request.url },
      `write from ${request.ip}: ${request.method} ${request.url}`,
    );
  }

  refused(reason: TokenRefusal, request: FastifyRequest): void {
    this.refusals[reason] += 1;
    const limited = this.refusalLog.fields(this.now());
    if (limited === null) return;
    this.logger.warn(
      { client: request.ip, method: request.method, url: request.url, reason, ...limited },
      `write refused (${reason} token) from ${request.ip}: ${request.method} ${request.url}`,
    );
  }
}
