/**
 * A token bucket that hands out reservations instead of polling: `reserve()` takes a token (the balance
 * may go negative, which queues later callers behind it) and says how long to wait before using it.
 * So N callers arriving at once are spaced exactly 1/perSecond apart after the burst, with no loop.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes one token; resolves to the wait in ms before the caller may send (0 when one was in the bucket). */
  reserve(): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.perSecond) / 1000);
    this.last = t;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.perSecond);
  }
}
