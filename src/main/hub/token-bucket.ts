// The per-agent message rate limit: a token bucket that allows short bursts (a backlog flushed after a
// reconnect) but not a sustained flood.

export class TokenBucket {
  private tokens: number
  private updatedAt: number

  constructor(
    private readonly capacity: number,
    private readonly refillPerSecond: number,
    now: number,
  ) {
    this.tokens = capacity
    this.updatedAt = now
  }

  /** Takes one token if there is one; false means the sender is over its rate. */
  take(now: number): boolean {
    // A clock that steps backwards must not mint tokens or lock the bucket.
    const elapsedMs = Math.max(0, now - this.updatedAt)
    this.tokens = Math.min(this.capacity, this.tokens + (elapsedMs / 1000) * this.refillPerSecond)
    this.updatedAt = Math.max(this.updatedAt, now)
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}
