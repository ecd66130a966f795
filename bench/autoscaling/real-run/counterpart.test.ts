import { describe, expect, it } from 'vitest'
import { runScenario, WARMUP_SECONDS } from '../run-scenario'
import { stepScenario } from '../scenarios'
import { DEFAULT_WORKLOAD } from '../workload'
import { simulateCounterpart } from './counterpart'
import { replayLoad } from './replay-load'

const workload = { ...DEFAULT_WORKLOAD, cpus: 0.1, costMs: 30, startSeconds: 6, maxReplicas: 8 }
const scenario = stepScenario({ seed: 3, workload })

describe('simulateCounterpart', () => {
  it("is the simulation's own run when given its warm-up", () => {
    const counterpart = simulateCounterpart(scenario, 3, workload, WARMUP_SECONDS)
    const simulated = runScenario(scenario, 3, workload)
    expect(counterpart.runs.map((r) => r.scores)).toEqual(simulated.runs.map((r) => r.scores))
  })

  it('sizes its oracle from the very requests the real run replays', () => {
    const counterpart = simulateCounterpart(scenario, 3, workload, 120)
    const load = replayLoad(scenario, 3, 120, 10)
    expect(counterpart.requests).toBe(load.perSecond.reduce((a, b) => a + b, 0))
  })
})
