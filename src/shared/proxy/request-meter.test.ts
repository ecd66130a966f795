// The request meter's window and its histogram percentiles, on a fake clock.
import { describe, expect, it } from 'vitest'
import { binLatencyMs, latencyBin, RequestMeter } from './request-meter'

describe('RequestMeter', () => {
  it('counts requests and errors over the window and forgets seconds that left it', () => {
    let now = 100_000
    const meter = new RequestMeter(() => now)
    for (let i = 0; i < 50; i++) meter.record('a', 2, i % 10 !== 0)
    expect(meter.summary('a')).toMatchObject({ requestRate: 10, errorRate: 1 })
    now += 5_000
    expect(meter.summary('a')).toMatchObject({ requestRate: 0, errorRate: 0, latencyMsP50: 0 })
    // Ten seconds on, the ring slot of the first second is reused, not added to.
    now += 5_000
    meter.record('a', 2, true)
    expect(meter.summary('a').requestRate).toBeCloseTo(0.2)
  })

  it('tells p50 and p95 within the width of a bin, whatever the number of requests', () => {
    const meter = new RequestMeter(() => 7_000)
    // 20,000 requests in one second: 94 % at 1 ms, 6 % at 250 ms; every one of them counts.
    for (let i = 0; i < 20_000; i++) meter.record('a', i % 50 < 47 ? 1 : 250, true)
    const { latencyMsP50, latencyMsP95 } = meter.summary('a', 1)
    expect(latencyMsP50 / 1).toBeGreaterThan(0.95)
    expect(latencyMsP50 / 1).toBeLessThan(1.05)
    expect(latencyMsP95 / 250).toBeGreaterThan(0.95)
    expect(latencyMsP95 / 250).toBeLessThan(1.05)
  })

  it('sums every backend when asked for none', () => {
    const meter = new RequestMeter(() => 1_000)
    meter.record('a', 3, true)
    meter.record('b', 3, false)
    expect(meter.summary(undefined, 1)).toMatchObject({ requestRate: 2, errorRate: 1 })
    meter.forget('b')
    expect(meter.summary(undefined, 1)).toMatchObject({ requestRate: 1, errorRate: 0 })
  })

  it.each([0, 0.004, 0.5, 12, 3_000, 10_000_000])('puts %d ms in a bin that stands for it', (ms) => {
    const bin = latencyBin(ms)
    if (ms > 0.011 && ms < 100_000) expect(Math.abs(binLatencyMs(bin) / ms - 1)).toBeLessThan(0.05)
    expect(bin).toBeGreaterThanOrEqual(0)
  })
})
