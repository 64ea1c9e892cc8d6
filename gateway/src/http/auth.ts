import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest, preParsingHookHandler } from "fastify";
import type { WriteAudit } from "./writeAudit.js";

export const WRITES_DISABLED =
  "Write endpoints are disabled: start the gateway with --api-token (PARKING_API_TOKEN).";
export const TOKEN_REQUIRED =
  "This endpoint needs the gateway's API token: send Authorization: Bearer <token>.";
export const TOKEN_WRONG = "The API token is wrong: send the one the gateway was started with (--api-token).";

/** Anything after the scheme is the token, so a configured token with a space in it works too. */
const BEARER = /^Bearer[ \t]+(.+?)[ \t]*$/i;

/** Hashed first, so both sides have one length and the comparison leaks neither content nor length. */
function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** A refusal the API's error handler answers in the project's shape. */
function refusal(statusCode: 401 | 403, message: string): Error & { statusCode: number } {
  return Object.assign(new Error(message), { statusCode });
}

/**
 * A preParsing hook for write routes: 403 while no token is configured (writes are off), 401
 * with `WWW-Authenticate: Bearer` for a missing or wrong one. preParsing, not preHandler: it
 * runs after the rate limit (onRequest), so guessing tokens is throttled, and before the body
 * is read, so a stranger's body is never parsed or validated and cannot probe the schema.
 * Read routes never use it: the dashboard on the LAN reads without a token.
 */
export function requireToken(token: string | null, audit: WriteAudit): preParsingHookHandler {
  const expected = token === null ? null : digest(token);
  return async (request: FastifyRequest, reply: FastifyReply, payload) => {
    if (expected === null) {
      audit.refused("disabled", request);
      throw refusal(403, WRITES_DISABLED);
    }
    const match = BEARER.exec(request.headers.authorization ?? "");
    const given = match?.[1];
    if (given === undefined) {
      audit.refused("missing", request);
      reply.header("www-authenticate", "Bearer");
      throw refusal(401, TOKEN_REQUIRED);
    }
    if (!timingSafeEqual(digest(given), expected)) {
      audit.refused("wrong", request);
      reply.header("www-authenticate", 'Bearer error="invalid_token"');
      throw refusal(401, TOKEN_WRONG);
    }
    audit.allowed(request);
    return payload;
  };
}
