import { describe, expect, it } from 'vitest'
import type { PolicySummary, ScenarioSummary } from '../summary'
import { agreementLine, aheadOn } from './compare'

const policy = (id: 'ours' | 'hpa', mean: Partial<PolicySummary['mean']>): PolicySummary => ({
  id,
  label: id,
  mean: {
    reactionSeconds: null,
    recoverySeconds: null,
    violationSeconds: 0,
    failedRequests: 0,
    containerSeconds: 0,
    flaps: 0,
    downUpFlaps: 0,
    peakReplicas: 0,
    replicasStarted: 0,
    targetChanges: 0,
    underProvisionedSeconds: 0,
    p95LatencyMs: 0,
    ...mean,
  },
  spread: {
    reactionSeconds: null,
    recoverySeconds: null,
    violationSeconds: 0,
    failedRequests: 0,
    containerSeconds: 0,
    flaps: 0,
    downUpFlaps: 0,
    peakReplicas: 0,
    replicasStarted: 0,
    targetChanges: 0,
    underProvisionedSeconds: 0,
    p95LatencyMs: 0,
  },
  noReaction: 0,
  noRecovery: 0,
  perSeed: [],
})
const summary = (
  ours: Partial<PolicySummary['mean']>,
  hpa: Partial<PolicySummary['mean']>,
): ScenarioSummary => ({
  name: 'step',
  description: '',
  durationSeconds: 960,
  seeds: [1],
  requests: 0,
  oracleContainerSeconds: 1,
  oraclePeak: 1,
  ours: policy('ours', ours),
  hpa: policy('hpa', hpa),
})

describe('aheadOn', () => {
  it('calls lower better, a 5 % difference a tie, and a missing side undefined', () => {
    const s = summary(
      { reactionSeconds: 10, containerSeconds: 1000, flaps: 1 },
      { reactionSeconds: 20, containerSeconds: 1040 },
    )
    expect(aheadOn(s, 'reactionSeconds')).toBe('ours')
    expect(aheadOn(s, 'containerSeconds')).toBe('level')
    expect(aheadOn(s, 'flaps')).toBe('hpa')
    expect(aheadOn(s, 'recoverySeconds')).toBeUndefined()
  })
})

describe('agreementLine', () => {
  it('names the scores on which real and simulated agree and shows both sides where they do not', () => {
    const real = summary(
      { reactionSeconds: 10, violationSeconds: 5, containerSeconds: 2000 },
      { reactionSeconds: 20, violationSeconds: 9, containerSeconds: 1800 },
    )
    const simulated = summary(
      { reactionSeconds: 8, violationSeconds: 3, containerSeconds: 1700 },
      { reactionSeconds: 16, violationSeconds: 7, containerSeconds: 1900 },
    )
    expect(agreementLine(real, simulated)).toBe(
      'the same side comes out ahead on 3 of 4 scores: reaction (ours ahead), SLO-violation seconds (ours ahead), ' +
        'flaps (level); they differ on container-seconds (real: HPA ahead, 2000 vs 1800; simulated: ours ahead, 1700 vs 1900)',
    )
  })
})
