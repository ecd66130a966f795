import { describe, expect, it } from 'vitest'
import { describeFailures, failureDigest, lastFailureEnd, quantile, summarizeLoad } from './load-summary'
import type { RequestRecord } from './open-loop'

const request = (intendedAt: number, latencyMs: number, outcome: number | string, servedBy?: string) =>
  ({
    intendedAt,
    latencyMs,
    status: typeof outcome === 'number' ? outcome : null,
    error: typeof outcome === 'string' ? outcome : null,
    servedBy: servedBy ?? null,
    detail: typeof outcome === 'number' && outcome >= 300 ? 'No container is ready on VM lab-1' : null,
    retryAfter: null,
  }) satisfies RequestRecord

describe('summarizeLoad', () => {
  it('counts 2xx as answered and every other outcome as failed, by status or error code', () => {
    const summary = summarizeLoad([
      request(0, 10, 200, 'lab-1/a'),
      request(50, 30, 204, 'lab-2/b'),
      request(100, 5, 503),
      request(150, 7, 503),
      request(200, 900, 'UND_ERR_HEADERS_TIMEOUT'),
      request(250, 1, 'ECONNREFUSED'),
      request(300, 3, 404, 'lab-1/a'),
    ])
    expect(summary).toEqual({
      sent: 7,
      ok: 2,
      failed: 5,
      failedByKind: { '503': 2, UND_ERR_HEADERS_TIMEOUT: 1, ECONNREFUSED: 1, '404': 1 },
      worstLatencyMs: 900,
      p99LatencyMs: 900,
    })
    expect(describeFailures(summary.failedByKind)).toBe(
      '2 × 503, 1 × 404, 1 × ECONNREFUSED, 1 × UND_ERR_HEADERS_TIMEOUT',
    )
    expect(describeFailures({})).toBe('none')
  })

  it('gives zeros for an empty log', () => {
    expect(summarizeLoad([])).toMatchObject({ sent: 0, failed: 0, worstLatencyMs: 0, p99LatencyMs: 0 })
  })
})

describe('quantile', () => {
  it.each([
    [[], 0.99, 0],
    [[5], 0.99, 5],
    [Array.from({ length: 100 }, (_, i) => i + 1), 0.99, 99],
    [Array.from({ length: 1000 }, (_, i) => 1000 - i), 0.99, 990],
    [[3, 1, 2], 0.5, 2],
  ])('%j at %d is %d', (values, q, expected) => {
    expect(quantile(values, q)).toBe(expected)
  })
})

describe('lastFailureEnd', () => {
  it('is when the last failure due at or after the fault ended; earlier ones and successes do not count', () => {
    const log = [
      request(900, 500, 503),
      request(1000, 10, 200),
      request(1100, 300, 'ECONNRESET'),
      request(1200, 5, 502),
      request(1300, 10, 200),
    ]
    expect(lastFailureEnd(log, 1000)).toBe(1400)
    expect(lastFailureEnd(log, 1250)).toBeUndefined()
  })
})

describe('failureDigest', () => {
  it('groups failures by kind and by who answered, in the order they began, with an example answer', () => {
    const digest = failureDigest(
      [
        request(1000, 10, 200, 'lab-2/b'),
        request(1120, 6, 503),
        request(1050, 6, 502, 'lab-1/a'),
        request(1270, 6, 503),
        request(3000, 2, 'ECONNREFUSED'),
      ],
      1000,
    )
    expect(digest).toEqual([
      '1 × 502 from lab-1/a, due 0.05 s to 0.05 s after the fault ("No container is ready on VM lab-1")',
      '2 × 503 from a proxy, due 0.12 s to 0.27 s after the fault ("No container is ready on VM lab-1")',
      '1 × ECONNREFUSED (no response), due 2.00 s to 2.00 s after the fault',
    ])
  })
})
