import { describe, expect, it } from 'vitest'
import { errorKind, TrafficStats } from './traffic-stats'

const coded = (code: string) => Object.assign(new Error(code), { code })

describe('errorKind', () => {
  it.each([
    [coded('ECONNREFUSED'), 'connect-refused'],
    [coded('UND_ERR_CONNECT_TIMEOUT'), 'connect-timeout'],
    [coded('UND_ERR_HEADERS_TIMEOUT'), 'timeout'],
    [coded('UND_ERR_BODY_TIMEOUT'), 'timeout'],
    [coded('ECONNRESET'), 'reset'],
    [coded('UND_ERR_SOCKET'), 'reset'],
    [coded('EPIPE'), 'reset'],
    [coded('ENOTFOUND'), 'dns'],
    [new Error('fetch failed', { cause: coded('ECONNREFUSED') }), 'connect-refused'],
    [new Error('something else'), 'other'],
    ['a string', 'other'],
    [null, 'other'],
  ])('%s → %s', (error, kind) => {
    expect(errorKind(error)).toBe(kind)
  })
})

describe('TrafficStats', () => {
  it('keeps the interval and the whole run apart', () => {
    let now = 0
    const stats = new TrafficStats(0, () => now)
    for (let i = 1; i <= 100; i++) {
      stats.recordSent(0.5)
      stats.recordResponse(i === 100 ? 503 : 200, i)
    }
    stats.recordSent(0)
    stats.recordError('connect-refused')
    now = 1000
    const first = stats.read(true, 1)
    expect(first.interval).toMatchObject({ completed: 101, rate: 101, sentRate: 101, failed: 2 })
    // HDR keeps 3 significant digits: each percentile is within 0.1 % of the exact value.
    const latency = first.interval.latencyMs
    for (const [got, exact] of [
      [latency.p50, 50],
      [latency.p90, 90],
      [latency.p99, 99],
      [latency.max, 100],
    ] as const) {
      expect(Math.abs(got - exact) / exact).toBeLessThan(0.001)
    }
    expect(first.statusCodes).toEqual({ 200: 99, 503: 1 })
    expect(first.errors).toEqual({ 'connect-refused': 1 })
    expect(first.sendLagMs).toEqual({ p99: 0.5, max: 0.5 }) // 500 µs is exact in HDR

    stats.recordSent(0)
    stats.recordResponse(200, 1000)
    now = 2000
    const second = stats.read(true, 2)
    expect(second.interval).toMatchObject({ completed: 1, failed: 0 })
    expect(second.interval.latencyMs.p50).toBeCloseTo(1000, -1)
    expect(second.total).toMatchObject({ completed: 102, rate: 51, sentRate: 51, failed: 2 })
    expect(second.total.latencyMs.max).toBeCloseTo(1000, 0)
  })

  it('reports zeros, not NaN, before anything happened', () => {
    const stats = new TrafficStats(0, () => 0)
    const empty = stats.read(false, 0)
    expect(empty.interval.latencyMs).toEqual({ p50: 0, p90: 0, p99: 0, max: 0 })
    expect(empty.total.rate).toBe(0)
    expect(empty.sendLagMs).toEqual({ p99: 0, max: 0 })
  })
})
