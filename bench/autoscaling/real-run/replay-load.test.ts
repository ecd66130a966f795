import { describe, expect, it } from 'vitest'
import { expectedRequests, sendTimes } from '../../../src/main/traffic/schedule'
import { compilePlan } from '../../../src/main/traffic/traffic-plan'
import { TrafficPlan } from '../../../src/shared/domain/traffic'
import { runScenario } from '../run-scenario'
import { stepScenario } from '../scenarios'
import { DEFAULT_WORKLOAD } from '../workload'
import { replayLoad } from './replay-load'

const scenario = stepScenario({ seed: 1, workload: DEFAULT_WORKLOAD })

function compiled(csv: string, factor: number) {
  const plan = TrafficPlan.parse({
    url: 'http://127.0.0.1:1/',
    pattern: { kind: 'trace', csv, compress: factor },
  })
  const result = compilePlan(plan)
  if (!result.ok) throw new Error(result.message)
  return result.plan
}

describe('replayLoad', () => {
  const load = replayLoad(scenario, 1, 60, 10)

  it("holds the very requests per second of the simulation's run of that seed", () => {
    const simulated = runScenario(scenario, 1, DEFAULT_WORKLOAD)
    expect(load.perSecond.reduce((a, b) => a + b, 0)).toBe(simulated.requests)
  })

  it('is replayed by the traffic engine F× faster, with every request of each slice in its slice', () => {
    const plan = compiled(load.csv, 10)
    // (60 s warm-up + 960 s trace + the closing second of silence) / 10.
    expect(plan.durationSeconds).toBeCloseTo(102.1)
    expect(expectedRequests(plan.segments)).toBeCloseTo(load.requests, 6)
    const times = [...sendTimes(plan.segments)]
    expect(times).toHaveLength(load.requests)
    // In trace time, the requests of each whole second are those the simulation counted.
    const perSecond = new Uint32Array(scenario.durationSeconds)
    for (const ms of times) {
      const trace = (ms / 1000) * 10 - 60
      if (trace >= 0) perSecond[Math.floor(trace + 1e-9)]!++
    }
    let differing = 0
    perSecond.forEach((n, s) => {
      if (n !== load.perSecond[s]) differing++
    })
    // Only where float rounding puts a request on the other side of a second's edge.
    expect(differing).toBeLessThanOrEqual(2)
  })

  it('scales the rates, not the counts, with F', () => {
    const slow = replayLoad(scenario, 1, 60, 1)
    expect(load.requests).toBe(slow.requests)
    expect(load.peakRealRate).toBeCloseTo(slow.peakRealRate * 10)
  })
})
