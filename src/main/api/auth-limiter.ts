// Failed API authentication, counted per client address: after `maxFailures` different wrong tokens in a
// window the client is refused (429) until the window ends, so the token cannot be guessed at network
// speed. The same wrong token again is no new guess: a page opened from a stale link, which sends it
// with every call, does not lock its user out. Pure: the caller passes the time.

export interface AuthLimiterOptions {
  maxFailures: number
  windowMs: number
  /** At most this many clients are tracked; the oldest window is forgotten first. */
  maxClients: number
}

export const DEFAULT_AUTH_LIMIT: AuthLimiterOptions = { maxFailures: 10, windowMs: 60_000, maxClients: 4096 }

interface Window {
  startedAt: number
  /** Digests of the wrong tokens tried; at most `maxFailures`, as the client is refused after that. */
  guesses: Set<string>
}

export class AuthLimiter {
  // A Map keeps insertion order: a client's window is re-inserted when it restarts, so the first
  // entry is always the oldest window.
  private readonly windows = new Map<string, Window>()

  constructor(private readonly options: AuthLimiterOptions = DEFAULT_AUTH_LIMIT) {}

  /** Seconds the client must wait before trying again, or 0 if it may try now. */
  retryAfterSeconds(client: string, now: number): number {
    const window = this.current(client, now)
    if (!window || window.guesses.size < this.options.maxFailures) return 0
    return Math.max(1, Math.ceil((window.startedAt + this.options.windowMs - now) / 1000))
  }

  /** `guess` identifies the wrong token (a digest, never the token itself). */
  recordFailure(client: string, guess: string, now: number): void {
    const window = this.current(client, now)
    if (window) {
      if (window.guesses.size < this.options.maxFailures) window.guesses.add(guess)
      return
    }
    this.windows.delete(client)
    this.windows.set(client, { startedAt: now, guesses: new Set([guess]) })
    while (this.windows.size > this.options.maxClients) {
      const oldest = this.windows.keys().next().value
      if (oldest === undefined) break
      this.windows.delete(oldest)
    }
  }

  /** Clients tracked now; for tests of the memory bound. */
  get size(): number {
    return this.windows.size
  }

  private current(client: string, now: number): Window | undefined {
    const window = this.windows.get(client)
    if (!window) return undefined
    if (now - window.startedAt >= this.options.windowMs) {
      this.windows.delete(client)
      return undefined
    }
    return window
  }
}
