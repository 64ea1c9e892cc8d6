import { describe, expect, it } from "vitest";
import { LogRateLimiter } from "../../src/logging/rateLimit.js";

describe("LogRateLimiter", () => {
  it("passes `limit` lines per window and reports how many it dropped", () => {
    const limiter = new LogRateLimiter(2, 1_000);
    expect(limiter.admit(0)).toBe(0);
    expect(limiter.admit(10)).toBe(0);
    expect(limiter.admit(20)).toBeNull();
    expect(limiter.admit(30)).toBeNull();
    expect(limiter.admit(1_000)).toBe(2);
    expect(limiter.admit(1_001)).toBe(0);
    expect(limiter.admit(1_002)).toBeNull();
  });

  it("gives the fields for a line that passes: the count held back only when there is one", () => {
    const limiter = new LogRateLimiter(1, 1_000);
    expect(limiter.fields(0)).toEqual({});
    expect(limiter.fields(10)).toBeNull();
    expect(limiter.fields(20)).toBeNull();
    expect(limiter.fields(1_000)).toEqual({ suppressedSinceLast: 2 });
  });
});
