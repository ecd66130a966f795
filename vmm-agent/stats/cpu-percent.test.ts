import { describe, expect, it } from 'vitest'
import { type CpuReading, cpuPercentOfAllotment } from './cpu-percent'

const at = (atMs: number, usageNanos: number): CpuReading => ({ atMs, usageNanos })

describe('cpuPercentOfAllotment', () => {
  it.each([
    { name: 'whole 0.5-core allotment used', prev: at(0, 0), cur: at(1000, 500e6), cpus: 0.5, want: 100 },
    { name: 'half of a 0.5-core allotment', prev: at(0, 0), cur: at(1000, 250e6), cpus: 0.5, want: 50 },
    { name: 'one full core of a 2-core allotment', prev: at(0, 0), cur: at(1000, 1e9), cpus: 2, want: 50 },
    { name: 'idle', prev: at(5000, 7e9), cur: at(6000, 7e9), cpus: 1, want: 0 },
    { name: 'uneven interval', prev: at(1000, 1e9), cur: at(3500, 1.5e9), cpus: 0.2, want: 100 },
    { name: 'over the nominal allotment', prev: at(0, 0), cur: at(1000, 1e9), cpus: 0.5, want: 200 },
    { name: 'large counters', prev: at(0, 4e15), cur: at(1000, 4e15 + 1e8), cpus: 0.1, want: 100 },
  ])('$name → $want %', ({ prev, cur, cpus, want }) => {
    expect(cpuPercentOfAllotment(prev, cur, cpus)).toBeCloseTo(want, 6)
  })

  it.each([
    { name: 'first reading', prev: undefined, cur: at(1000, 1e9), cpus: 1 },
    { name: 'no time passed', prev: at(1000, 0), cur: at(1000, 1e9), cpus: 1 },
    { name: 'clock went backwards', prev: at(2000, 0), cur: at(1000, 1e9), cpus: 1 },
    { name: 'counter reset (restarted)', prev: at(0, 9e9), cur: at(1000, 1e6), cpus: 1 },
    { name: 'zero allotment', prev: at(0, 0), cur: at(1000, 1e9), cpus: 0 },
    { name: 'NaN allotment', prev: at(0, 0), cur: at(1000, 1e9), cpus: Number.NaN },
    { name: 'NaN usage', prev: at(0, 0), cur: at(1000, Number.NaN), cpus: 1 },
  ])('$name → undefined', ({ prev, cur, cpus }) => {
    expect(cpuPercentOfAllotment(prev, cur, cpus)).toBeUndefined()
  })
})
