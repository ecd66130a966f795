import { describe, expect, it } from 'vitest'
import { TrafficPlan } from '../../shared/domain/traffic'
import { expectedRequests, rateAt, rateSegments, type SchedulePattern, sendTimes } from './schedule'
import { compilePlan } from './traffic-plan'

/** Requests per whole second of the run. */
function perSecond(pattern: SchedulePattern, durationSeconds: number): number[] {
  const counts = Array.from({ length: Math.ceil(durationSeconds) }, () => 0)
  for (const t of sendTimes(rateSegments(pattern, durationSeconds))) {
    counts[Math.floor(t / 1000)] = (counts[Math.floor(t / 1000)] ?? 0) + 1
  }
  return counts
}

describe('sendTimes per pattern', () => {
  it.each<[string, SchedulePattern, number, number[]]>([
    ['steady', { kind: 'steady', rate: 200 }, 3, [200, 200, 200]],
    ['steady below 1/s', { kind: 'steady', rate: 0.5 }, 4, [0, 1, 0, 1]],
    ['ramp up from 0', { kind: 'ramp', from: 0, to: 100 }, 2, [25, 75]],
    ['ramp down to 0', { kind: 'ramp', from: 100, to: 0 }, 2, [75, 25]],
    ['spike: the middle third by default', { kind: 'spike', rate: 10, factor: 5 }, 3, [10, 50, 10]],
    [
      'spike placed by hand',
      { kind: 'spike', rate: 10, factor: 3, atSeconds: 1, lengthSeconds: 2 },
      4,
      [10, 30, 30, 10],
    ],
    [
      'spike after the end does not happen',
      { kind: 'spike', rate: 10, factor: 3, atSeconds: 5 },
      2,
      [10, 10],
    ],
    ['step half way, to twice by default', { kind: 'step', rate: 10 }, 4, [10, 10, 20, 20]],
    ['step to a level', { kind: 'step', rate: 10, to: 40, atSeconds: 1 }, 3, [10, 40, 40]],
    [
      'trace: each row holds until the next',
      {
        kind: 'trace',
        compress: 1,
        points: [
          { second: 0, rate: 10 },
          { second: 2, rate: 30 },
          { second: 3, rate: 0 },
        ],
      },
      4,
      [10, 10, 30, 0],
    ],
    [
      'trace compressed 2×: same rates, half the time',
      {
        kind: 'trace',
        compress: 2,
        points: [
          { second: 0, rate: 10 },
          { second: 2, rate: 30 },
        ],
      },
      2,
      [10, 15],
    ],
  ])('%s', (_name, pattern, duration, counts) => {
    expect(perSecond(pattern, duration)).toEqual(counts)
  })

  it('puts each request in the middle of its share of time, in order', () => {
    const times = [...sendTimes(rateSegments({ kind: 'steady', rate: 200 }, 3))]
    expect(times).toHaveLength(600)
    expect(times[0]).toBeCloseTo(2.5)
    expect(times.at(-1)).toBeCloseTo(2997.5)
    for (let i = 1; i < times.length; i++)
      expect((times[i] as number) - (times[i - 1] as number)).toBeCloseTo(5)
  })

  it('spaces a ramp ever closer as the rate grows', () => {
    const times = [...sendTimes(rateSegments({ kind: 'ramp', from: 10, to: 50 }, 4))]
    expect(times).toHaveLength(
      Math.round(expectedRequests(rateSegments({ kind: 'ramp', from: 10, to: 50 }, 4))),
    )
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number))
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeLessThan((gaps[i - 1] as number) + 1e-9)
  })
})

describe('rateAt', () => {
  const segments = rateSegments({ kind: 'ramp', from: 0, to: 100 }, 10)
  it.each([
    [0, 0],
    [5000, 50],
    [9999, 99.99],
    [10_000, 0],
    [-1, 0],
  ])('at %d ms: %d req/s', (ms, rate) => {
    expect(rateAt(segments, ms)).toBeCloseTo(rate)
  })
})

describe('compilePlan', () => {
  const compile = (input: unknown) => compilePlan(TrafficPlan.parse(input))
  it.each<[string, unknown, string]>([
    [
      'no duration for a steady run',
      { url: 'http://127.0.0.1:1', pattern: { kind: 'steady', rate: 5 } },
      'durationSeconds is required for a steady pattern',
    ],
    ['no pattern for an open loop', { url: 'http://127.0.0.1:1', durationSeconds: 1 }, 'needs a pattern'],
    [
      'a spike above the rate limit',
      { url: 'http://127.0.0.1:1', durationSeconds: 3, pattern: { kind: 'spike', rate: 5000, factor: 3 } },
      'reaches 15000 requests per second, above the limit',
    ],
    [
      'a malformed trace',
      { url: 'http://127.0.0.1:1', pattern: { kind: 'trace', csv: '0,1\n1,x', source: 'day.csv' } },
      "day.csv line 2: requests_per_second 'x' is not a number",
    ],
    [
      'a trace too long even compressed',
      { url: 'http://127.0.0.1:1', pattern: { kind: 'trace', csv: '0,1\n7200,1' } },
      'raise compress',
    ],
  ])('refuses %s', (_name, input, message) => {
    const result = compile(input)
    expect(result.ok).toBe(false)
    expect(result.ok ? '' : result.message).toContain(message)
  })

  it('takes the path from the URL unless given, and a trace its own duration', () => {
    const result = compile({
      url: 'http://127.0.0.1:9/session?seconds=5',
      pattern: { kind: 'trace', csv: 'second,rps\n10,5\n20,8', compress: 10 },
    })
    expect(result).toMatchObject({
      ok: true,
      plan: {
        origin: 'http://127.0.0.1:9',
        path: '/session?seconds=5',
        durationSeconds: 1.1,
        pattern: 'trace',
      },
    })
    expect(
      compile({ url: 'http://127.0.0.1:9/a', path: '/b', mode: 'closed', durationSeconds: 1 }),
    ).toMatchObject({
      ok: true,
      plan: { path: '/b', pattern: null, segments: [] },
    })
  })
})
