import { describe, expect, it } from 'vitest'
import { AuthLimiter } from './auth-limiter'

const options = { maxFailures: 3, windowMs: 60_000, maxClients: 4 }

let guessNumber = 0

/** `times` different wrong tokens. */
function failTimes(limiter: AuthLimiter, client: string, times: number, now: number): void {
  for (let i = 0; i < times; i++) limiter.recordFailure(client, `guess-${guessNumber++}`, now)
}

describe('AuthLimiter', () => {
  it.each([
    { failures: 0, at: 0, retry: 0 },
    { failures: 2, at: 0, retry: 0 },
    { failures: 3, at: 0, retry: 60 },
    { failures: 3, at: 59_001, retry: 1 },
    { failures: 3, at: 60_000, retry: 0 },
    { failures: 10, at: 30_000, retry: 30 },
  ])('$failures failures at t=0, asked at $at ms: retry after $retry s', ({ failures, at, retry }) => {
    const limiter = new AuthLimiter(options)
    failTimes(limiter, '10.0.0.1', failures, 0)
    expect(limiter.retryAfterSeconds('10.0.0.1', at)).toBe(retry)
  })

  it('counts each client apart: one blocked client does not block another', () => {
    const limiter = new AuthLimiter(options)
    failTimes(limiter, '10.0.0.1', 3, 0)
    expect(limiter.retryAfterSeconds('10.0.0.1', 1000)).toBeGreaterThan(0)
    expect(limiter.retryAfterSeconds('10.0.0.2', 1000)).toBe(0)
  })

  it('starts a fresh window once the old one has passed', () => {
    const limiter = new AuthLimiter(options)
    failTimes(limiter, 'a', 2, 0)
    failTimes(limiter, 'a', 2, 61_000)
    expect(limiter.retryAfterSeconds('a', 61_000)).toBe(0)
    limiter.recordFailure('a', 'another', 62_000)
    expect(limiter.retryAfterSeconds('a', 62_000)).toBe(59)
  })

  it('does not count the same wrong token twice (a page from a stale link sends it with every call)', () => {
    const limiter = new AuthLimiter(options)
    for (let i = 0; i < 20; i++) limiter.recordFailure('a', 'stale-token', i)
    expect(limiter.retryAfterSeconds('a', 20)).toBe(0)
    failTimes(limiter, 'a', 2, 21)
    expect(limiter.retryAfterSeconds('a', 21)).toBe(60)
  })

  it('tracks at most maxClients, forgetting the oldest window first', () => {
    const limiter = new AuthLimiter(options)
    for (let i = 0; i < 10; i++) failTimes(limiter, `client-${i}`, 3, i)
    expect(limiter.size).toBe(4)
    expect(limiter.retryAfterSeconds('client-0', 10)).toBe(0)
    expect(limiter.retryAfterSeconds('client-9', 10)).toBe(60)
  })
})
