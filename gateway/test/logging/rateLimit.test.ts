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
});
