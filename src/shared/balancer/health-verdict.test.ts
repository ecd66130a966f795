import { describe, expect, it } from 'vitest'
import { type HealthRecord, INITIAL_HEALTH, nextHealth, type ProbeResult } from './health-verdict'

const pass: ProbeResult = { ok: true }
const fail = (reason = 'GET /healthz answered 500'): ProbeResult => ({ ok: false, reason })

function run(results: ProbeResult[], thresholds = { unhealthyThreshold: 2, healthyThreshold: 2 }) {
  const states: boolean[] = []
  let record: HealthRecord = INITIAL_HEALTH
  for (const result of results) {
    record = nextHealth(record, result, thresholds)
    states.push(record.healthy)
  }
  return { states, record }
}

describe('nextHealth', () => {
  it.each<[string, ProbeResult[], boolean[]]>([
    ['stays healthy while probes pass', [pass, pass, pass], [true, true, true]],
    ['one failure is not enough', [fail(), pass, fail(), pass], [true, true, true, true]],
    ['two failures in a row make it unhealthy', [fail(), fail()], [true, false]],
    [
      'one pass does not bring it back',
      [fail(), fail(), pass, fail(), pass],
      [true, false, false, false, false],
    ],
    ['two passes in a row bring it back', [fail(), fail(), pass, pass], [true, false, false, true]],
  ])('%s', (_name, results, expected) => {
    expect(run(results).states).toEqual(expected)
  })

  it('keeps the latest failure as the reason while unhealthy, and none once healthy', () => {
    const down = run([fail('GET /healthz answered 500'), fail('GET /healthz timed out after 1 s')])
    expect(down.record.reason).toBe('GET /healthz timed out after 1 s')
    const worse = run([fail(), fail(), fail('GET /healthz: connection refused')])
    expect(worse.record.reason).toBe('GET /healthz: connection refused')
    const halfway = run([fail(), fail('GET /healthz answered 503'), pass])
    expect(halfway.record).toMatchObject({ healthy: false, reason: 'GET /healthz answered 503' })
    expect(run([fail(), fail(), pass, pass]).record.reason).toBeUndefined()
  })

  it('honours other thresholds', () => {
    const thresholds = { unhealthyThreshold: 1, healthyThreshold: 3 }
    expect(run([fail(), pass, pass, pass], thresholds).states).toEqual([false, false, false, true])
  })
})
