import { describe, expect, it } from 'vitest'
import { effectiveWeight, isWarmingUp } from './slow-start'

const settings = { slowStartMs: 10_000, slowStartMinFraction: 0.1 }

describe('effectiveWeight (slow start)', () => {
  it.each([
    [0, 1],
    [2_500, 3.25],
    [5_000, 5.5],
    [9_999, 9.9991],
    [10_000, 10],
    [60_000, 10],
    [-1_000, 1], // clock stepped back: stay at the floor, never negative
  ])('weight 10 after %i ms in service → %f', (ms, expected) => {
    expect(effectiveWeight(10, ms, settings)).toBeCloseTo(expected, 6)
  })

  it('is the full weight at once when slow start is off', () => {
    expect(effectiveWeight(10, 0, { ...settings, slowStartMs: 0 })).toBe(10)
    expect(isWarmingUp(0, { ...settings, slowStartMs: 0 })).toBe(false)
  })

  it('keeps a drained backend at 0', () => {
    expect(effectiveWeight(0, 1_000, settings)).toBe(0)
  })

  it('is warming up until the window ends', () => {
    expect(isWarmingUp(9_999, settings)).toBe(true)
    expect(isWarmingUp(10_000, settings)).toBe(false)
  })
})
