import { describe, expect, it } from 'vitest'
import { DEFAULT_BALANCER_SETTINGS } from './balancer-settings'
import { ejectionDurationMs, mayEject } from './outlier-detection'

describe('ejectionDurationMs', () => {
  it.each([
    [1, 5_000],
    [2, 10_000],
    [3, 20_000],
    [4, 40_000],
    [5, 60_000], // capped
    [50, 60_000],
    [5_000, 60_000], // no overflow on a very long streak
  ])('ejection %i in a row lasts %i ms', (streak, expected) => {
    expect(ejectionDurationMs(streak, DEFAULT_BALANCER_SETTINGS)).toBe(expected)
  })
})

describe('mayEject (max-ejection guard)', () => {
  it.each([
    // [already ejected, total, max %, allowed]
    [0, 1, 50, false], // never the last backend
    [0, 2, 50, true],
    [1, 2, 100, false], // even at 100 %, one stays in service
    [0, 3, 50, true],
    [1, 3, 50, false], // 2 of 3 is over 50 %
    [1, 4, 50, true], // 2 of 4 is exactly 50 %
    [2, 4, 50, false],
    [0, 5, 10, true], // one ejection is always allowed with two or more backends, as in Envoy
    [1, 20, 10, true],
    [2, 20, 10, false],
    [0, 5, 0, false], // 0 % turns ejection off
  ])('%i ejected of %i at %i % → %s', (ejected, total, maxEjectionPercent, allowed) => {
    expect(mayEject(ejected, total, { maxEjectionPercent })).toBe(allowed)
  })
})
