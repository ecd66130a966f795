// One scenario under one seed: the shared arrivals, the oracle, and each policy's run and scores.
import { countPerSecond, poissonArrivals } from './arrivals'
import { type Contender, contenders } from './contenders'
import { oracleReplicas, sumOf } from './oracle'
import type { Scenario } from './scenarios'
import { type LoadStep, type Scores, scoreRun } from './scores'
import { type RunRecord, simulate } from './simulate'
import { replicasFor, type Workload } from './workload'

/** Long enough for HPA's 300 s window: both policies enter the trace settled on the base load. */
export const WARMUP_SECONDS = 300

export interface ContenderRun {
  contender: Contender
  record: RunRecord
  scores: Scores
}

export interface ScenarioResult {
  scenario: Scenario
  seed: number
  /** The load step the reaction is measured from; null when the load never needs more replicas. */
  step: LoadStep | null
  requests: number
  oracleContainerSeconds: number
  oraclePeak: number
  runs: ContenderRun[]
}

/** Mean rate over second `s` as the arrivals see it (the middles of its ten 100 ms slices). */
const meanRate = (scenario: Scenario, s: number) => {
  let sum = 0
  for (let k = 0; k < 10; k++) sum += scenario.rate(s + 0.05 + k * 0.1)
  return sum / 10
}

/** The first second whose expected load needs more replicas than the first second's: the load step. */
export function loadStep(scenario: Scenario, w: Workload): LoadStep | null {
  const atStart = replicasFor(meanRate(scenario, 0), w)
  for (let s = 1; s < scenario.durationSeconds; s++) {
    const needs = replicasFor(meanRate(scenario, s), w)
    if (needs > atStart) return { at: s, needs }
  }
  return null
}

export interface RunOptions {
  runners?: readonly Contender[]
  warmupSeconds?: number
  /** The requests to simulate (from -warmupSeconds on); default: the scenario's seeded Poisson arrivals. */
  arrivals?: Float64Array
}

export function runScenario(
  scenario: Scenario,
  seed: number,
  workload: Workload,
  { runners = contenders(workload), warmupSeconds = WARMUP_SECONDS, arrivals: given }: RunOptions = {},
): ScenarioResult {
  const T = scenario.durationSeconds
  const startRate = scenario.rate(0)
  // The warm-up holds the trace's first rate, so nothing in it is a change the policies must follow.
  const arrivals =
    given ?? poissonArrivals((t) => (t < 0 ? startRate : scenario.rate(t)), -warmupSeconds, T, seed)
  const perSecond = countPerSecond(arrivals, T)
  const oracle = oracleReplicas(perSecond, workload)
  const step = loadStep(scenario, workload)
  return {
    scenario,
    seed,
    step,
    requests: sumOf(perSecond),
    oracleContainerSeconds: sumOf(oracle),
    oraclePeak: oracle.reduce((peak, n) => Math.max(peak, n), 0),
    runs: runners.map((contender) => {
      const record = simulate({
        workload,
        contender,
        durationSeconds: T,
        arrivals,
        warmupSeconds,
        initialRate: startRate,
      })
      return { contender, record, scores: scoreRun(record, oracle, step) }
    }),
  }
}
