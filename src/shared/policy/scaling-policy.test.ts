import { describe, expect, it } from 'vitest'
import {
  DEFAULT_POLICY,
  defaultPolicy,
  HPA_DEFAULT_POLICY,
  hpaDefaultPolicy,
  parseScalingPolicy,
  ScalingPolicy,
} from './scaling-policy'

describe('HPA_DEFAULT_POLICY', () => {
  it('reproduces the Kubernetes defaults listed in SCALING-BENCH.md', () => {
    expect(HPA_DEFAULT_POLICY).toEqual({
      targetUtilization: 0.6,
      tolerance: { up: 0.1, down: 0.1 },
      minReplicas: 1,
      maxReplicas: 10,
      intervalSeconds: 15, // --horizontal-pod-autoscaler-sync-period
      metricWindowSeconds: 15, // metrics-server resolution
      readinessDelaySeconds: 30, // --horizontal-pod-autoscaler-initial-readiness-delay
      // behavior.scaleUp: no window, policies Percent 100 / 15 s and Pods 4 / 15 s, selectPolicy Max
      scaleUp: { stabilizationSeconds: 0, maxPercent: 100, maxReplicas: 4, periodSeconds: 15 },
      // behavior.scaleDown: 300 s window, the Percent 100 / 15 s policy alone
      scaleDown: { stabilizationSeconds: 300, maxPercent: 100, maxReplicas: 0, periodSeconds: 15 },
      // None of our steadiness rules.
      steadiness: {
        smallRiseRatio: 1,
        smallRiseSeconds: 0,
        scaleDownAfterUpSeconds: 0,
        scaleDownHeadroom: 0,
        burstMemorySeconds: 0,
        burstStabilizationSeconds: 0,
        clearDropRatio: 0,
        clearDropSeconds: 0,
        waitForWarmUp: false,
      },
    })
  })

  it('gives the baseline and our policy the same target, min and max', () => {
    const bounds = { targetUtilization: 0.7, minReplicas: 2, maxReplicas: 12 }
    for (const policy of [hpaDefaultPolicy(bounds), defaultPolicy(bounds)]) {
      expect(policy).toMatchObject(bounds)
    }
    expect(hpaDefaultPolicy(bounds).scaleDown.stabilizationSeconds).toBe(300)
  })
})

describe('DEFAULT_POLICY', () => {
  it('is what the schema fills in for an empty policy', () => {
    expect(ScalingPolicy.parse({})).toEqual(DEFAULT_POLICY)
    expect(DEFAULT_POLICY).toMatchObject({
      intervalSeconds: 1,
      metricWindowSeconds: 5,
      readinessDelaySeconds: 5,
      scaleUp: { stabilizationSeconds: 3, maxPercent: 100, maxReplicas: 2, periodSeconds: 15 },
      scaleDown: { stabilizationSeconds: 60, maxPercent: 100, maxReplicas: 1, periodSeconds: 10 },
      steadiness: {
        smallRiseRatio: 1.3,
        smallRiseSeconds: 15,
        scaleDownAfterUpSeconds: 60,
        scaleDownHeadroom: 0.05,
        burstMemorySeconds: 600,
        burstStabilizationSeconds: 300,
      },
    })
  })

  it('reacts faster than the baseline upward and forgets faster downward, but no faster than a flap', () => {
    expect(DEFAULT_POLICY.intervalSeconds).toBeLessThan(HPA_DEFAULT_POLICY.intervalSeconds)
    expect(DEFAULT_POLICY.scaleDown.stabilizationSeconds).toBeLessThan(
      HPA_DEFAULT_POLICY.scaleDown.stabilizationSeconds,
    )
    // The bench's flap horizon: no scale-down can undo a scale-up within it.
    expect(DEFAULT_POLICY.steadiness.scaleDownAfterUpSeconds).toBeGreaterThanOrEqual(60)
    // Recurring bursts keep their replicas as long as HPA would, never longer.
    expect(DEFAULT_POLICY.steadiness.burstStabilizationSeconds).toBeLessThanOrEqual(
      HPA_DEFAULT_POLICY.scaleDown.stabilizationSeconds,
    )
  })

  it('keeps nested defaults when only part of a rule is given', () => {
    const policy = ScalingPolicy.parse({ scaleUp: { periodSeconds: 30 }, tolerance: { down: 0.2 } })
    expect(policy.scaleUp).toEqual({ ...DEFAULT_POLICY.scaleUp, periodSeconds: 30 })
    expect(policy.tolerance).toEqual({ up: 0.1, down: 0.2 })
  })

  it('accepts fractional seconds, for time-compressed benchmark runs', () => {
    expect(parseScalingPolicy({ intervalSeconds: 1.5, scaleDown: { stabilizationSeconds: 30 } }).ok).toBe(
      true,
    )
  })
})

describe('parseScalingPolicy', () => {
  it.each([
    [{ minReplicas: 5, maxReplicas: 3 }, 'minReplicas (5) must not be more than maxReplicas (3)'],
    [{ targetUtilization: 0 }, 'targetUtilization must be above 0 (a fraction of the CPU limit, e.g. 0.6)'],
    [
      { targetUtilization: 60 },
      'targetUtilization must be at most 1: a replica cannot use more than its CPU limit',
    ],
    [
      { minReplicas: 0 },
      'minReplicas must be at least 1: with no replica running there is no CPU use to measure',
    ],
    [{ maxReplicas: 2.5 }, 'maxReplicas must be a whole number'],
    [{ tolerance: { up: 1.5 } }, 'tolerance.up must be between 0 and 1'],
    [{ intervalSeconds: 0 }, 'intervalSeconds must be more than 0 seconds'],
    [{ readinessDelaySeconds: -1 }, 'readinessDelaySeconds must be 0 seconds or more'],
    [{ scaleUp: { maxReplicas: 1.5 } }, 'scaleUp.maxReplicas must be a whole number of replicas'],
    [
      { scaleDown: { maxPercent: 0, maxReplicas: 0 } },
      'scaleDown allows no change at all: set maxPercent or maxReplicas above 0',
    ],
    [{ targetUtilization: 'high' }, 'targetUtilization: Invalid input: expected number, received string'],
    [
      { steadiness: { smallRiseRatio: 0.8 } },
      'steadiness.smallRiseRatio must be at least 1 (1.3 = up to 30 % over the target)',
    ],
    [
      { steadiness: { scaleDownHeadroom: 0.9 } },
      'steadiness.scaleDownHeadroom must be between 0 and 0.5 (0.05 = 5 % under the target)',
    ],
    [{ steadiness: { burstMemorySeconds: -5 } }, 'steadiness.burstMemorySeconds must be 0 seconds or more'],
    [{ steadiness: { smallRise: 2 } }, 'steadiness: unknown setting smallRise'],
  ])('rejects %j with a message a person can act on', (input, message) => {
    expect(parseScalingPolicy(input)).toEqual({ ok: false, errors: [message] })
  })

  it('reports every problem at once', () => {
    const result = parseScalingPolicy({ minReplicas: 0, intervalSeconds: -1 })
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.errors).toHaveLength(2)
  })

  it('puts the min/max problem on the minReplicas field for the editor', () => {
    const result = ScalingPolicy.safeParse({ minReplicas: 4, maxReplicas: 2 })
    expect(result.error?.issues[0]?.path).toEqual(['minReplicas'])
  })
})
