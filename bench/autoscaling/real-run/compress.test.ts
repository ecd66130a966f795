import { describe, expect, it } from 'vitest'
import { DEFAULT_BALANCER_SETTINGS } from '../../../src/shared/balancer'
import { defaultPolicy, hpaDefaultPolicy, ScalingPolicy } from '../../../src/shared/policy'
import { agentTiming, compressBalancer, compressPolicy, toTraceSeconds } from './compress'

/** Every numeric leaf, by its dotted path. */
function leaves(value: unknown, path = ''): Map<string, number> {
  const out = new Map<string, number>()
  if (typeof value === 'number') out.set(path, value)
  else if (value && typeof value === 'object')
    for (const [key, child] of Object.entries(value))
      for (const [p, v] of leaves(child, path ? `${path}.${key}` : key)) out.set(p, v)
  return out
}

describe('compressPolicy', () => {
  it.each([
    ['ours', defaultPolicy({ maxReplicas: 8 })],
    ['HPA defaults', hpaDefaultPolicy({ maxReplicas: 8 })],
  ])('divides every time constant of %s by F and nothing else', (_name, policy) => {
    const compressed = compressPolicy(policy, 10)
    const before = leaves(policy)
    for (const [path, value] of leaves(compressed)) {
      // Any field in seconds, including one added later, must be compressed.
      const expected = path.endsWith('Seconds') ? before.get(path)! / 10 : before.get(path)
      expect(value, path).toBeCloseTo(expected!)
    }
    expect(ScalingPolicy.parse(compressed)).toEqual(compressed)
  })

  it('gives the HPA its 1.5 s sync, metric window and scale-up period and 30 s readiness at F = 10', () => {
    const hpa = compressPolicy(hpaDefaultPolicy(), 10)
    expect(hpa).toMatchObject({ intervalSeconds: 1.5, metricWindowSeconds: 1.5, readinessDelaySeconds: 3 })
    expect(hpa.scaleUp).toMatchObject({ periodSeconds: 1.5, maxPercent: 100, maxReplicas: 4 })
    expect(hpa.scaleDown.stabilizationSeconds).toBe(30)
  })
})

describe('compressBalancer', () => {
  it('divides its durations and keeps whole milliseconds', () => {
    expect(compressBalancer(DEFAULT_BALANCER_SETTINGS, 20)).toEqual({
      ...DEFAULT_BALANCER_SETTINGS,
      slowStartMs: 500,
      baseEjectionMs: 250,
      maxEjectionMs: 3000,
    })
  })
})

describe('agentTiming', () => {
  it('at F = 10: 100 ms rounds, a 10 ms CPU period, 0.1-CPU containers, 2 ms per request', () => {
    expect(agentTiming(10)).toEqual({ loopIntervalSeconds: 0.1, cpuPeriodMs: 10, cpus: 0.1, requestCpuMs: 2 })
  })

  it('grows the container where the kernel would refuse a sub-millisecond quota', () => {
    const timing = agentTiming(20)
    expect(timing).toMatchObject({ cpuPeriodMs: 5, cpus: 0.2, requestCpuMs: 1 })
    expect(timing.cpus * timing.cpuPeriodMs).toBeGreaterThanOrEqual(1)
  })
})

describe('toTraceSeconds', () => {
  it('scales real seconds since the replay began and takes off the warm-up', () => {
    expect(toTraceSeconds(0, 10, 60)).toBe(-60)
    expect(toTraceSeconds(12.5, 10, 60)).toBe(65)
  })
})
