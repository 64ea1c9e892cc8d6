import type { FastifyRequest } from "fastify";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { WriteAudit } from "../../src/http/writeAudit.js";

function audit() {
  const logged: Array<Record<string, unknown>> = [];
  const logger = pino({ level: "info" }, { write: (line: string) => logged.push(JSON.parse(line)) });
  const clock = { now: 0 };
  return { logged, clock, audit: new WriteAudit(logger, () => clock.now) };
}

const request = (ip: string): FastifyRequest =>
  ({ ip, method: "PUT", url: "/api/spots/A/1/config" }) as unknown as FastifyRequest;

describe("WriteAudit", () => {
  it("logs every write that passed the token with its client address", () => {
    const { logged, audit: a } = audit();
    a.allowed(request("192.168.1.20"));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      client: "192.168.1.20",
      msg: "write from 192.168.1.20: PUT /api/spots/A/1/config",
    });
  });

  it("counts every refusal and logs at most 10 a minute, then says how many it left out", () => {
    const { logged, clock, audit: a } = audit();
    for (let i = 0; i < 25; i++) a.refused("wrong", request("10.0.0.9"));
    a.refused("missing", request("10.0.0.9"));
    expect(a.refusals).toEqual({ disabled: 0, missing: 1, wrong: 25 });
    expect(logged).toHaveLength(10);
    expect(logged[0]).toMatchObject({
      level: 40,
      client: "10.0.0.9",
      reason: "wrong",
      msg: "write refused (wrong token) from 10.0.0.9: PUT /api/spots/A/1/config",
    });
    clock.now += 60_000;
    a.refused("wrong", request("10.0.0.9"));
    expect(logged.at(-1)).toMatchObject({ suppressedSinceLast: 16 });
  });
});
