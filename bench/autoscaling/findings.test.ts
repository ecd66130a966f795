import { describe, expect, it } from 'vitest'
import { findings } from './findings'
import { scoreTable } from './score-table'
import type { Scores } from './scores'
import type { PolicySummary, ScenarioSummary } from './summary'

const scores = (overrides: Partial<Scores>): Scores => ({
  reactionSeconds: 5,
  recoverySeconds: 10,
  violationSeconds: 10,
  failedRequests: 0,
  containerSeconds: 1000,
  flaps: 0,
  downUpFlaps: 0,
  peakReplicas: 4,
  replicasStarted: 3,
  targetChanges: 4,
  underProvisionedSeconds: 50,
  p95LatencyMs: 100,
  ...overrides,
})
const noSpread = (s: Scores) =>
  Object.fromEntries(Object.keys(s).map((key) => [key, 0])) as PolicySummary['spread']
const policy = (id: 'ours' | 'hpa', s: Scores, spread = noSpread(s)): PolicySummary => ({
  id,
  label: id === 'ours' ? 'Ours' : 'HPA defaults',
  mean: s,
  spread,
  noReaction: 0,
  noRecovery: 0,
  perSeed: [s],
})
const summary = (ours: Partial<Scores>, hpa: Partial<Scores>): ScenarioSummary => ({
  name: 'spike',
  description: '',
  durationSeconds: 690,
  seeds: [1],
  requests: 1,
  oracleContainerSeconds: 800,
  oraclePeak: 8,
  ours: policy('ours', scores(ours)),
  hpa: policy('hpa', scores(hpa)),
})

describe('the report says where ours loses', () => {
  const lost = summary(
    { containerSeconds: 1300, replicasStarted: 6, peakReplicas: 7, violationSeconds: 4 },
    { containerSeconds: 1000, replicasStarted: 1, peakReplicas: 2, violationSeconds: 9 },
  )

  it('marks the losing ratio in the table', () => {
    const table = scoreTable([lost])
    expect(table).toContain('| **1.30, worse** |')
    expect(table).toContain('| | Oracle | | | | | 800 | 1.00× | |')
  })

  it('explains a container-seconds loss with the counts that show it, and the trade it bought', () => {
    expect(findings([lost])).toContain(
      "**Loss, spike**: ours uses 1.30× the baseline's container-seconds (1300 vs 1000): it started 6 containers " +
        "against 1 and peaked at 7 replicas against 2 (the oracle's peak: 8); in exchange it had 5 fewer " +
        'SLO-violation seconds (4 vs 9).',
    )
  })

  it('flags flaps and violations, and says so when ours loses nothing', () => {
    const lines = findings([summary({ flaps: 3, targetChanges: 20, violationSeconds: 12 }, { flaps: 1 })])
    expect(lines.filter((l) => l.startsWith('**Loss'))).toHaveLength(2)
    expect(findings([summary({}, {})]).at(-1)).toBe('Ours loses on no score in this run.')
  })
})

describe("the seeds' spread", () => {
  const twoSeeds = (oursSpread: number): ScenarioSummary => {
    const ours = scores({ containerSeconds: 1050 })
    const hpa = scores({ containerSeconds: 1000 })
    return {
      ...summary({}, {}),
      seeds: [1, 2],
      ours: policy('ours', ours, { ...noSpread(ours), containerSeconds: oursSpread }),
      hpa: policy('hpa', hpa, { ...noSpread(hpa), containerSeconds: 20 }),
    }
  }

  it('shows each score with its spread over the seeds', () => {
    const table = scoreTable([twoSeeds(80)])
    expect(table).toContain('| 1050 ±80 |')
    expect(table).toContain('| 1000 ±20 |')
    expect(table).toContain('| 5 ±0 |')
  })

  it('calls a loss smaller than the spread level, and one beyond it a loss', () => {
    expect(scoreTable([twoSeeds(80)])).toContain('| 1.05, worse within spread |')
    expect(findings([twoSeeds(80)]).join('\n')).toContain("within the seeds' spread (±80 vs ±20)")
    expect(scoreTable([twoSeeds(30)])).toContain('| **1.05, worse** |')
    expect(findings([twoSeeds(30)]).join('\n')).not.toContain("within the seeds' spread")
  })
})
