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
  /** The seeds' spread: the sample standard deviation over the same seeds as the mean (0 for one seed). */
  spread: Record<ScoreName, number | null>
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

function standardDeviation(values: readonly number[]): number | null {
  const m = mean(values)
  if (m === null) return null
  if (values.length < 2) return 0
  return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1))
}

/**
 * Whether ours is behind the baseline on `score` by more than the seeds' spread: the difference of the
 * means exceeds the larger of the two standard deviations. Within it, another set of seeds could as well
 * put ours ahead, so the table calls it level.
 */
export function behindBeyondSpread(summary: ScenarioSummary, score: ScoreName): boolean {
  const ours = summary.ours.mean[score]
  const hpa = summary.hpa.mean[score]
  if (ours === null || hpa === null) return false
  const spread = Math.max(summary.ours.spread[score] ?? 0, summary.hpa.spread[score] ?? 0)
  return ours - hpa > spread + 1e-9
}

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
  const spread = Object.fromEntries(
    names.map((name) => [
      name,
      standardDeviation(perSeed.map((s) => s[name]).filter((value): value is number => value !== null)),
    ]),
  ) as Record<ScoreName, number | null>
  return {
    id,
    label: runs[0]?.contender.label ?? id,
    mean: meanScores,
    spread,
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
