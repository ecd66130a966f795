import { describe, expect, it } from 'vitest'
import { type ReplicaSample, recommendReplicas } from './replica-calculator'
import { ScalingPolicy } from './scaling-policy'

const NOW = 1_000_000
const policy = ScalingPolicy.parse({
  targetUtilization: 0.5,
  readinessDelaySeconds: 30,
  metricWindowSeconds: 15,
})

const ready = (...utilizations: number[]): ReplicaSample[] =>
  utilizations.map((utilization, i) => ({ id: `ready-${i}`, ready: true, utilization }))
const starting = (count: number): ReplicaSample[] =>
  Array.from({ length: count }, (_, i) => ({ id: `starting-${i}`, ready: false }))
const noMetric = (count: number): ReplicaSample[] =>
  Array.from({ length: count }, (_, i) => ({ id: `no-metric-${i}`, ready: true }))

interface Case {
  name: string
  current: number
  samples: ReplicaSample[]
  target?: number
  replicas: number | null
  heldBy?: string
}

// Shaped like the HPA's replica_calculator_test.go: a replica set, its metrics, the expected count.
const cases: Case[] = [
  {
    name: 'holds inside the tolerance',
    current: 3,
    samples: ready(0.52, 0.54, 0.5),
    replicas: 3,
    heldBy: 'tolerance',
  },
  {
    name: 'holds at exactly +10 %',
    current: 2,
    samples: ready(0.55, 0.55),
    replicas: 2,
    heldBy: 'tolerance',
  },
  {
    name: 'holds at exactly −10 %',
    current: 2,
    samples: ready(0.45, 0.45),
    replicas: 2,
    heldBy: 'tolerance',
  },
  {
    name: 'scales up just outside the band',
    current: 10,
    samples: ready(...Array(10).fill(0.56)),
    replicas: 12,
  },
  { name: 'scales up in proportion', current: 3, samples: ready(0.9, 0.9, 0.9), replicas: 6 },
  { name: 'scales down in proportion', current: 4, samples: ready(0.1, 0.1, 0.1, 0.1), replicas: 1 },
  { name: 'rounds a fraction of a replica up', current: 3, samples: ready(0.6, 0.6, 0.7), replicas: 4 },
  {
    name: 'does not let float noise add a replica (0.72 / 0.6 × 5 = 6)',
    current: 5,
    samples: ready(0.72, 0.72, 0.72, 0.72, 0.72),
    target: 0.6,
    replicas: 6,
  },
  { name: 'can recommend zero for idle replicas', current: 2, samples: ready(0, 0), replicas: 0 },
  {
    name: 'counts not-ready replicas as idle on a scale-up',
    current: 3,
    samples: [...ready(1, 1), ...starting(1)],
    replicas: 4,
  },
  {
    name: 'holds when counting not-ready replicas as idle would reverse a scale-up',
    current: 4,
    samples: [...ready(0.6, 0.6), ...starting(2)],
    replicas: 4,
    heldBy: 'warm-up',
  },
  {
    name: 'leaves not-ready replicas out of a scale-down',
    current: 4,
    samples: [...ready(0.1, 0.1), ...starting(2)],
    replicas: 1,
  },
  {
    name: 'counts replicas without metrics as busy (100 %) on a scale-down',
    current: 4,
    samples: [...ready(0.1, 0.1, 0.1), ...noMetric(1)],
    replicas: 3,
  },
  {
    name: 'counts replicas without metrics as idle on a scale-up',
    current: 3,
    samples: [...ready(1, 1), ...noMetric(1)],
    replicas: 4,
  },
  {
    name: 'holds when counting metric-less replicas as busy would reverse a scale-down',
    current: 3,
    samples: [...ready(0.4), ...noMetric(2)],
    replicas: 3,
    heldBy: 'warm-up',
  },
  {
    name: 'treats replicas in the count but not yet sampled as still starting',
    current: 4,
    samples: ready(0.6, 0.6),
    replicas: 4,
    heldBy: 'warm-up',
  },
  {
    name: 'treats a non-finite utilization as a missing metric',
    current: 3,
    samples: [...ready(0.1, 0.1), { id: 'nan', ready: true, utilization: Number.NaN }],
    replicas: 3,
  },
  {
    name: 'has nothing to go on without a ready metric',
    current: 2,
    samples: starting(2),
    replicas: null,
    heldBy: 'no-metrics',
  },
]

describe('recommendReplicas', () => {
  it.each(cases)('$name', ({ current, samples, target, replicas, heldBy }) => {
    const p = target === undefined ? policy : { ...policy, targetUtilization: target }
    const result = recommendReplicas(NOW, current, samples, p)
    expect(result.replicas).toBe(replicas)
    expect(result.heldBy).toBe(heldBy)
  })

  it('reports the measured mean and ratio, and the adjusted ratio when warm-up counted', () => {
    const result = recommendReplicas(NOW, 3, [...ready(1, 1), ...starting(1)], policy)
    expect(result).toMatchObject({ utilization: 1, ratio: 2, warmingUp: 1, missingMetrics: 0 })
    expect(result.adjustedRatio).toBeCloseTo(4 / 3)
  })

  describe('readiness delay', () => {
    const fresh = (secondsAgo: number, utilization: number): ReplicaSample => ({
      id: 'fresh',
      ready: true,
      readySinceMs: NOW - secondsAgo * 1000,
      utilization,
    })

    it('ignores a sample from within the delay after the replica became ready', () => {
      const result = recommendReplicas(NOW, 2, [...ready(0.5), fresh(10, 1)], policy)
      expect(result).toMatchObject({ replicas: 2, heldBy: 'tolerance', warmingUp: 1, utilization: 0.5 })
    })

    it('counts the sample once the delay has passed', () => {
      expect(recommendReplicas(NOW, 2, [...ready(0.5), fresh(30, 1)], policy).replicas).toBe(3)
    })

    it('waits at least one metric window, so a sample never mixes in pre-ready time', () => {
      const short = { ...policy, readinessDelaySeconds: 0, metricWindowSeconds: 15 }
      expect(recommendReplicas(NOW, 2, [...ready(0.5), fresh(10, 1)], short).warmingUp).toBe(1)
      expect(recommendReplicas(NOW, 2, [...ready(0.5), fresh(15, 1)], short).warmingUp).toBe(0)
    })
  })
})
