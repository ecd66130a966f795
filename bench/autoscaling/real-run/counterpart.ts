// The simulated counterpart of a real run: the simulation with the run's calibrated workload, its warm-up
// and, for the replayed seed, its very requests, so that what differs between the two is the real system.
import { runScenario, type ScenarioResult } from '../run-scenario'
import type { Scenario } from '../scenarios'
import type { Workload } from '../workload'
import { scenarioArrivals } from './replay-load'

export function simulateCounterpart(
  scenario: Scenario,
  seed: number,
  workload: Workload,
  warmupSeconds: number,
): ScenarioResult {
  return runScenario(scenario, seed, workload, {
    warmupSeconds,
    arrivals: scenarioArrivals(scenario, seed, warmupSeconds),
  })
}
