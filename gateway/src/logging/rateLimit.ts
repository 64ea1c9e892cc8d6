/**
 * Lets at most `limit` log lines through per `intervalMs`; when a window closes that
 * suppressed some, the next line that passes carries the count. A flood of bad payloads
 * then costs a few lines a minute, not a full disk.
 */
export class LogRateLimiter {
  private windowStart = Number.NEGATIVE_INFINITY;
  private passed = 0;
  private suppressed = 0;

  constructor(
    private readonly limit = 10,
    private readonly intervalMs = 60_000,
  ) {}

  /** Returns null to drop the line, or how many were dropped since the last one that passed. */
  admit(now: number): number | null {
    if (now - this.windowStart >= this.intervalMs) {
      this.windowStart = now;
      this.passed = 0;
    }
    if (this.passed >= this.limit) {
      this.suppressed += 1;
      return null;
    }
    this.passed += 1;
    const dropped = this.suppressed;
    this.suppressed = 0;
    return dropped;
  }

  /**
   * For a log line about to be written: null to drop it, else the fields to add to it, which
   * carry how many were held back since the last line that passed.
   */
  fields(now: number): { suppressedSinceLast?: number } | null {
    const dropped = this.admit(now);
    if (dropped === null) return null;
    return dropped > 0 ? { suppressedSinceLast: dropped } : {};
  }
}
