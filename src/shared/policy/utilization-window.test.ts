import { describe, expect, it } from 'vitest'
import { UtilizationWindow } from './utilization-window'

describe('UtilizationWindow', () => {
  it('has no metric until the window is nearly full, then the mean of the window', () => {
    const window = new UtilizationWindow()
    for (let second = 0; second <= 3; second++) window.push(second * 1000, 50, 5000)
    expect(window.utilization(3000, 5000)).toBeUndefined()
    window.push(4000, 100, 5000)
    // The first sample is 4 s old in a 5 s window: within the grace, it counts.
    expect(window.utilization(4000, 5000)).toBeCloseTo(0.6)
  })

  it('forgets samples older than the window', () => {
    const window = new UtilizationWindow()
    for (let second = 0; second < 10; second++) window.push(second * 1000, second < 5 ? 0 : 100, 4000)
    expect(window.utilization(9000, 4000)).toBe(1)
  })
})
