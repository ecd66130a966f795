// Scores over several seeds of one scenario: the mean of each score per policy, and how many seeds each
// policy won, so that one lucky seed cannot carry a claim.
import type { ScenarioResult } from './run-scenario'
import type { Scores } from './scores'

export type ScoreName = keyof Scores

export interface PolicySummary {
  id: 'ours' | 'hpa'
  label: string
  /** The mean over the seeds; for reaction and recovery over the seeds where they exist (null if none). */
  mean: Record<ScoreName, number | null>
  /** Seeds without a reaction (no new replica) or without a recovery (never back under the SLO). */
  noReaction: number
  noRecovery: number
  /** Each seed's scores, in seed order. */
  perSeed: Scores[]
}

export interface ScenarioSummary {
  name: string
  description: string
  durationSeconds: number
  seeds: number[]
  requests: number
  oracleContainerSeconds: number
  oraclePeak: number
  ours: PolicySummary
  hpa: PolicySummary
}

const mean = (values: readonly number[]) =>
  values.length === 0 ? null : values.reduce((sum, v) => sum + v, 0) / values.length

function summarizePolicy(results: readonly ScenarioResult[], id: 'ours' | 'hpa'): PolicySummary {
  const runs = results.map((result) => {
    const run = result.runs.find((r) => r.contender.id === id)
    if (!run) throw new Error(`no '${id}' run in ${result.scenario.name}`)
    return run
  })
  const perSeed = runs.map((run) => run.scores)
  const names = Object.keys(perSeed[0] ?? {}) as ScoreName[]
  const meanScores = Object.fromEntries(
    names.map((name) => [
      name,
      mean(perSeed.map((s) => s[name]).filter((value): value is number => value !== null)),
    ]),
  ) as Record<ScoreName, number | null>
  return {
    id,
    label: runs[0]?.contender.label ?? id,
    mean: meanScores,
    noReaction: perSeed.filter((s) => s.reactionSeconds === null).length,
    noRecovery: perSeed.filter((s) => s.recoverySeconds === null).length,
    perSeed,
  }
}

export function summarizeScenario(results: readonly ScenarioResult[]): ScenarioSummary {
  const first = results[0]
  if (!first) throw new Error('summarizeScenario needs at least one seed')
  return {
    name: first.scenario.name,
    description: first.scenario.description,
    durationSeconds: first.scenario.durationSeconds,
    seeds: results.map((r) => r.seed),
    requests: mean(results.map((r) => r.requests)) ?? 0,
    oracleContainerSeconds: mean(results.map((r) => r.oracleContainerSeconds)) ?? 0,
    oraclePeak: Math.max(...results.map((r) => r.oraclePeak)),
    ours: summarizePolicy(results, 'ours'),
    hpa: summarizePolicy(results, 'hpa'),
  }
}
