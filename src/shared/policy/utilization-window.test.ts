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

describe('UtilizationWindow with a faster sampling period', () => {
  it('scales its grace with the period, so a short window is not full after one sample', () => {
    // Samples every 100 ms into a 1.5 s window: with the 1.5 s default grace the first sample alone counts.
    const coarse = new UtilizationWindow()
    coarse.push(0, 80, 1500)
    expect(coarse.utilization(0, 1500)).toBe(0.8)
    const fine = new UtilizationWindow(150)
    for (let ms = 0; ms <= 1300; ms += 100) fine.push(ms, 80, 1500)
    expect(fine.utilization(1300, 1500)).toBeUndefined()
    // Fifteen 100 ms samples: the window's 1.5 s are covered.
    fine.push(1400, 20, 1500)
    expect(fine.utilization(1400, 1500)).toBeCloseTo((14 * 80 + 20) / 15 / 100)
  })
})
