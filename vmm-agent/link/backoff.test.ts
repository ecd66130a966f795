// Reconnect delays: exponential, capped, fully jittered, and slower after a rejection.
import { describe, expect, it } from 'vitest'
import { RECONNECT_BACKOFF, REJECTED_BACKOFF, reconnectDelay } from './backoff'

describe('reconnectDelay', () => {
  it.each([
    [0, 1, 500],
    [1, 1, 1000],
    [2, 1, 2000],
    [5, 1, 16_000],
    [6, 1, 30_000],
    [60, 1, 30_000],
    [3, 0, 0],
    [3, 0.5, 2000],
  ])('attempt %i with random %f waits %i ms', (attempt, random, expected) => {
    expect(reconnectDelay(attempt, RECONNECT_BACKOFF, () => random)).toBe(expected)
  })

  it('waits at least the floor after a rejection, and at most floor + cap', () => {
    expect(reconnectDelay(0, REJECTED_BACKOFF, () => 0)).toBe(10_000)
    expect(reconnectDelay(0, REJECTED_BACKOFF, () => 1)).toBe(20_000)
    expect(reconnectDelay(20, REJECTED_BACKOFF, () => 1)).toBe(310_000)
  })

  it('spreads agents across the whole window (full jitter)', () => {
    let seed = 7
    const random = () => {
      seed = (seed * 16807) % 2147483647
      return seed / 2147483647
    }
    const delays = Array.from({ length: 1000 }, () => reconnectDelay(4, RECONNECT_BACKOFF, random))
    expect(Math.min(...delays)).toBeLessThan(400)
    expect(Math.max(...delays)).toBeGreaterThan(7600)
    expect(Math.max(...delays)).toBeLessThanOrEqual(8000)
  })

  it('survives a random source out of range', () => {
    expect(reconnectDelay(0, RECONNECT_BACKOFF, () => 7)).toBe(500)
    expect(reconnectDelay(0, RECONNECT_BACKOFF, () => -1)).toBe(0)
    expect(reconnectDelay(-3, RECONNECT_BACKOFF, () => 1)).toBe(500)
  })
})
