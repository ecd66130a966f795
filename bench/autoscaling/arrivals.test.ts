import { describe, expect, it } from 'vitest'
import { countPerSecond, poissonArrivals } from './arrivals'

describe('poissonArrivals', () => {
  it('follows the rate: as many requests as rate × time, within 4 sigma', () => {
    const arrivals = poissonArrivals((t) => (t < 100 ? 10 : 40), 0, 200, 1)
    const counts = countPerSecond(arrivals, 200)
    const before = counts.slice(0, 100).reduce((a, b) => a + b, 0)
    const after = counts.slice(100).reduce((a, b) => a + b, 0)
    expect(Math.abs(before - 1000)).toBeLessThan(4 * Math.sqrt(1000))
    expect(Math.abs(after - 4000)).toBeLessThan(4 * Math.sqrt(4000))
  })

  it('is sorted, within the interval, and the same for the same seed', () => {
    const a = poissonArrivals(() => 50, -30, 60, 3)
    expect(a).toEqual(poissonArrivals(() => 50, -30, 60, 3))
    expect(a).not.toEqual(poissonArrivals(() => 50, -30, 60, 4))
    expect(a.every((t, i) => t >= -30 && t < 60 && (i === 0 || t >= a[i - 1]!))).toBe(true)
  })

  it('sends nothing at a zero rate', () => {
    expect(poissonArrivals(() => 0, 0, 100, 1)).toHaveLength(0)
  })
})
