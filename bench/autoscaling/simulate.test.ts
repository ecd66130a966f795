import { describe, expect, it } from 'vitest'
import { HPA_PHASE_SECONDS } from './contenders'
import { runScenario } from './run-scenario'
import { type Scenario, stepScenario } from './scenarios'
import { DEFAULT_WORKLOAD } from './workload'

const workload = DEFAULT_WORKLOAD
const step = stepScenario({ seed: 1, workload })
const run = (scenario: Scenario, seed = 1, w = workload) => {
  const result = runScenario(scenario, seed, w)
  const [ours, hpa] = result.runs
  return { result, ours: ours!, hpa: hpa! }
}

describe('simulate: determinism', () => {
  it('gives the same run for the same seed, and another for another seed', () => {
    const a = run(step, 1)
    const b = run(step, 1)
    expect(b.ours.scores).toEqual(a.ours.scores)
    expect(b.hpa.record.changes).toEqual(a.hpa.record.changes)
    expect(b.result.requests).toBe(a.result.requests)
    expect(run(step, 2).result.requests).not.toBe(a.result.requests)
  })
})

describe('simulate: the HPA baseline keeps its clock', () => {
  const { ours, hpa } = run(step)

  it('decides only on its 15 s syncs, ours on any second', () => {
    const phases = hpa.record.changes.map((c) => (((c.at - HPA_PHASE_SECONDS) % 15) + 15) % 15)
    expect(new Set(phases)).toEqual(new Set([0]))
    expect(ours.record.changes.some((c) => (c.at - HPA_PHASE_SECONDS) % 15 !== 0)).toBe(true)
  })

  it('scales up at the first sync after the step, then waits 30 s after the new replica is ready', () => {
    const [first, second] = hpa.record.changes
    expect(first).toMatchObject({ at: 68, from: 1 })
    // Ready at 69.5; its samples count from 99.5 on, so the next increase comes at the sync after that.
    expect(second?.at).toBe(113)
    expect(second!.to).toBeGreaterThan(first!.to)
  })

  it('measures the reaction from the step to the new replica serving (sync + start time)', () => {
    expect(hpa.scores.reactionSeconds).toBe(68 + workload.startSeconds - 60)
    expect(ours.scores.reactionSeconds!).toBeLessThan(hpa.scores.reactionSeconds!)
    expect(ours.scores.reactionSeconds!).toBeGreaterThanOrEqual(workload.startSeconds)
  })

  it('waits for the start time it is given', () => {
    const slow = run(step, 1, { ...workload, startSeconds: 12 })
    expect(slow.ours.scores.reactionSeconds!).toBeGreaterThanOrEqual(12)
  })
})

describe('simulate: after a step down', () => {
  // Four replicas at the target (the warm-up settles both on it), then the base load from 200 s on.
  const drop: Scenario = {
    name: 'drop',
    description: '4 replicas at the target, then the base',
    durationSeconds: 900,
    rate: (t) => (t < 200 ? 60 : 12),
  }
  const { ours, hpa } = run(drop)
  const firstDown = (changes: { at: number; to: number; from: number }[]) =>
    changes.find((c) => c.to < c.from && c.at >= 200)?.at ?? Number.POSITIVE_INFINITY

  it('HPA keeps its replicas for its 300 s window after the last sync that saw the load', () => {
    expect(firstDown(hpa.record.changes)).toBeGreaterThanOrEqual(200 + 300)
    expect(Math.min(...hpa.record.serving.slice(200, 500))).toBe(4)
  })

  it('ours gives them back once the drop (to a fifth) has held 15 s, so it pays for fewer', () => {
    expect(firstDown(ours.record.changes)).toBeGreaterThanOrEqual(200 + 15)
    expect(firstDown(ours.record.changes)).toBeLessThanOrEqual(200 + 100)
    expect(Math.max(...ours.record.serving.slice(200 + 150, 500))).toBeLessThan(4)
    expect(ours.scores.containerSeconds).toBeLessThan(hpa.scores.containerSeconds)
  })
})
