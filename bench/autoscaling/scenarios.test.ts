import { describe, expect, it } from 'vitest'
import {
  baseRate,
  burstyScenario,
  diurnalScenario,
  rampScenario,
  spikeScenario,
  stepScenario,
} from './scenarios'
import { DEFAULT_WORKLOAD } from './workload'

const ctx = { seed: 1, workload: DEFAULT_WORKLOAD }
const base = baseRate(DEFAULT_WORKLOAD)

describe('scenarios', () => {
  it('sizes the base load as one replica at 80 % of its target', () => {
    expect(base).toBe(12)
  })

  it.each([
    {
      scenario: stepScenario(ctx),
      at: [0, 59.9, 60, 359.9, 360, 959],
      rates: [1, 1, 4, 4, 1, 1],
      seconds: 960,
    },
    { scenario: spikeScenario(ctx), at: [59, 60, 89.9, 90], rates: [1, 10, 10, 1], seconds: 690 },
    {
      scenario: rampScenario(ctx),
      at: [0, 60, 360, 660, 960, 1260, 1559],
      rates: [1, 1, 4.5, 8, 4.5, 1, 1],
      seconds: 1560,
    },
  ])('$scenario.name follows the shape of docs/SCALING-BENCH.md', ({ scenario, at, rates, seconds }) => {
    expect(scenario.durationSeconds).toBe(seconds)
    expect(at.map((t) => scenario.rate(t) / base)).toEqual(rates)
  })

  it('diurnal: one sine period from the base to about 8× base, with noise of a few per cent', () => {
    const day = diurnalScenario(ctx)
    expect(day.durationSeconds).toBe(86_400)
    expect(day.rate(0) / base).toBeGreaterThan(0.7)
    expect(day.rate(0) / base).toBeLessThan(1.3)
    expect(day.rate(43_200) / base).toBeGreaterThan(8 * 0.7)
    expect(day.rate(43_200) / base).toBeLessThan(8 * 1.3)
    expect(diurnalScenario(ctx).rate(1234)).toBe(day.rate(1234))
  })

  it('bursty: calm at the base, busy at 80 % of the maximum replicas at the target, seeded', () => {
    const bursty = burstyScenario(ctx)
    const rates = new Set(Array.from({ length: 1800 }, (_, t) => bursty.rate(t)))
    expect(rates).toEqual(new Set([12, 0.8 * 10 * 15]))
    expect(bursty.rate(30)).toBe(12)
    const again = burstyScenario(ctx)
    const other = burstyScenario({ ...ctx, seed: 2 })
    const series = (s: typeof bursty) => Array.from({ length: 1800 }, (_, t) => s.rate(t))
    expect(series(again)).toEqual(series(bursty))
    expect(series(other)).not.toEqual(series(bursty))
  })
})
