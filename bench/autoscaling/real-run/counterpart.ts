// The simulated counterpart of a real run: the simulation with the run's calibrated workload, its warm-up
// and, for the replayed seed, its very requests, so that what differs between the two is the real system.
import { countPerSecond } from '../arrivals'
import { contenders } from '../contenders'
import { oracleReplicas, sumOf } from '../oracle'
import { loadStep, type ScenarioResult } from '../run-scenario'
import type { Scenario } from '../scenarios'
import { scoreRun } from '../scores'
import { simulate } from '../simulate'
import type { Workload } from '../workload'
import { scenarioArrivals } from './replay-load'

export function simulateCounterpart(
  scenario: Scenario,
  seed: number,
  workload: Workload,
  warmupSeconds: number,
): ScenarioResult {
  const T = scenario.durationSeconds
  const arrivals = scenarioArrivals(scenario, seed, warmupSeconds)
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
    runs: contenders(workload).map((contender) => {
      const record = simulate({
        workload,
        contender,
        durationSeconds: T,
        arrivals,
        warmupSeconds,
        initialRate: scenario.rate(0),
      })
      return { contender, record, scores: scoreRun(record, oracle, step) }
    }),
  }
}
