import { describe, expect, it } from 'vitest'
import { decideReplicas } from './decide-replicas'
import {
  clearlyDown,
  type PolicyState,
  pruneState,
  recommendationOnly,
  recordScaleEvent,
  scaleDownLimit,
  scaleUpLimit,
  stabilize,
  startPolicyState,
  type TimedCount,
} from './scaling-behavior'
import { DEFAULT_POLICY, HPA_DEFAULT_POLICY, type ScalingRule } from './scaling-policy'

const NOW = 1_000_000
const ago = (seconds: number, replicas: number): TimedCount => ({ atMs: NOW - seconds * 1000, replicas })
const rule = (maxPercent: number, maxReplicas: number, periodSeconds = 15): ScalingRule => ({
  stabilizationSeconds: 0,
  maxPercent,
  maxReplicas,
  periodSeconds,
})

describe('scaleUpLimit', () => {
  it.each([
    {
      name: 'HPA default, small count: 4 pods beat 100 %',
      current: 2,
      rule: rule(100, 4),
      events: [],
      limit: 6,
    },
    {
      name: 'HPA default, large count: 100 % beats 4 pods',
      current: 10,
      rule: rule(100, 4),
      events: [],
      limit: 20,
    },
    { name: 'percent only, rounded up so 1 can grow', current: 1, rule: rule(10, 0), events: [], limit: 2 },
    { name: 'absolute only', current: 8, rule: rule(0, 2), events: [], limit: 10 },
    {
      name: 'replicas added in the period count against it',
      current: 6,
      rule: rule(100, 4),
      events: [ago(5, 4)],
      limit: 6,
    },
    {
      name: 'an event exactly one period ago has left the period',
      current: 6,
      rule: rule(100, 4),
      events: [ago(15, 4)],
      limit: 12,
    },
    {
      name: 'a short period frees the allowance sooner',
      current: 6,
      rule: rule(100, 4, 5),
      events: [ago(6, 4)],
      limit: 12,
    },
    {
      name: 'never below current, even when the period was overspent',
      current: 3,
      rule: rule(0, 1),
      events: [ago(1, 2), ago(2, 2)],
      limit: 3,
    },
  ])('$name', ({ current, rule, events, limit }) => {
    expect(scaleUpLimit(current, events, rule, NOW)).toBe(limit)
  })
})

describe('scaleDownLimit', () => {
  it.each([
    {
      name: 'HPA default: 100 % may remove everything',
      current: 8,
      rule: rule(100, 0),
      events: [],
      limit: 0,
    },
    { name: 'percent of the count', current: 20, rule: rule(25, 1), events: [], limit: 15 },
    {
      name: 'percent truncates like HPA (10 × 0.75 → 7)',
      current: 10,
      rule: rule(25, 1),
      events: [],
      limit: 7,
    },
    { name: 'absolute wins on small counts', current: 3, rule: rule(25, 1), events: [], limit: 2 },
    {
      name: 'replicas removed in the period count against it',
      current: 15,
      rule: rule(25, 1, 10),
      events: [ago(5, 5)],
      limit: 15,
    },
    {
      name: 'the period start is current plus what was removed',
      current: 16,
      rule: rule(25, 1, 10),
      events: [ago(5, 4)],
      limit: 15,
    },
  ])('$name', ({ current, rule, events, limit }) => {
    expect(scaleDownLimit(current, events, rule, NOW)).toBe(limit)
  })
})

describe('stabilize', () => {
  const windows = (up: number, down: number) => ({
    ...HPA_DEFAULT_POLICY,
    scaleUp: { ...HPA_DEFAULT_POLICY.scaleUp, stabilizationSeconds: up },
    scaleDown: { ...HPA_DEFAULT_POLICY.scaleDown, stabilizationSeconds: down },
  })

  it.each([
    {
      name: 'down: the highest of the window',
      history: [ago(100, 7), ago(50, 5)],
      rec: 2,
      up: 0,
      down: 300,
      result: 7,
    },
    {
      name: 'down: entries older than the window do not count',
      history: [ago(300, 7), ago(50, 5)],
      rec: 2,
      up: 0,
      down: 300,
      result: 5,
    },
    { name: 'down: never above current', history: [ago(10, 12)], rec: 2, up: 0, down: 300, result: 8 },
    {
      name: 'up: no window applies the recommendation at once',
      history: [ago(1, 8)],
      rec: 12,
      up: 0,
      down: 300,
      result: 12,
    },
    {
      name: 'up: the lowest of the window',
      history: [ago(2, 10), ago(1, 11)],
      rec: 12,
      up: 3,
      down: 300,
      result: 10,
    },
    { name: 'up: never below current', history: [ago(2, 3)], rec: 12, up: 3, down: 300, result: 8 },
    {
      name: 'holds when the windows disagree',
      history: [ago(2, 3), ago(1, 12)],
      rec: 8,
      up: 3,
      down: 3,
      result: 8,
    },
  ])('$name', ({ history, rec, up, down, result }) => {
    expect(stabilize(history, rec, 8, NOW, windows(up, down))).toBe(result)
  })
})

describe('policy state', () => {
  it('starts with the current count as a recommendation, as HPA does', () => {
    expect(startPolicyState(NOW, 3)).toEqual({
      recommendations: [{ atMs: NOW, replicas: 3 }],
      scaleUpEvents: [],
      scaleDownEvents: [],
    })
  })

  it('prunes what no window or period can see', () => {
    // Recommendations for the burst window (300 s), scale-ups for the wait after one (60 s), scale-downs
    // for the burst memory (600 s).
    const state: PolicyState = {
      recommendations: [ago(301, 1), ago(299, 2)],
      scaleUpEvents: [ago(61, 1), ago(60, 2)],
      scaleDownEvents: [ago(601, 1), ago(599, 2)],
      burstAtMs: NOW - 601_000,
    }
    expect(pruneState(state, NOW, DEFAULT_POLICY)).toEqual({
      recommendations: [ago(299, 2)],
      scaleUpEvents: [ago(60, 2)],
      scaleDownEvents: [ago(599, 2)],
    })
    expect(pruneState({ ...state, burstAtMs: NOW - 599_000 }, NOW, DEFAULT_POLICY).burstAtMs).toBe(
      NOW - 599_000,
    )
  })

  it('records applied changes by direction, and nothing for a hold', () => {
    const state = startPolicyState(NOW, 3)
    expect(recordScaleEvent(state, NOW, 3, 5).scaleUpEvents).toEqual([{ atMs: NOW, replicas: 2 }])
    expect(recordScaleEvent(state, NOW, 5, 3).scaleDownEvents).toEqual([{ atMs: NOW, replicas: 2 }])
    expect(recordScaleEvent(state, NOW, 3, 3)).toBe(state)
  })
})

describe('recommendationOnly', () => {
  /** Decisions every second for `seconds` while a count of `current` stays in force, all replicas at 5 %. */
  function recommend(seconds: number, keep: (state: PolicyState, now: number) => PolicyState) {
    // Small scale-down steps, where a phantom event spends the period's whole allowance.
    const policy = {
      ...DEFAULT_POLICY,
      targetUtilization: 0.6,
      scaleDown: { stabilizationSeconds: 90, maxPercent: 25, maxReplicas: 1, periodSeconds: 10 },
    }
    const samples = [0, 1].map((i) => ({
      id: `r${i}`,
      ready: true,
      readySinceMs: -600_000,
      utilization: 0.05,
    }))
    let state: PolicyState | undefined
    const desired: number[] = []
    for (let s = 0; s < seconds; s++) {
      const decision = decideReplicas({ now: s * 1000, currentReplicas: 2, samples, policy }, state)
      state = keep(decision.state, s * 1000)
      desired.push(decision.desired)
    }
    return desired
  }
  const changes = (counts: number[]) => counts.filter((count, i) => i > 0 && count !== counts[i - 1]).length

  it('keeps a recommendation that is not applied steady, once the window has passed', () => {
    const counts = recommend(200, recommendationOnly)
    expect(counts.slice(95)).toEqual(Array(105).fill(1))
    expect(changes(counts)).toBe(1)
  })

  it('(as applied, the rate limit sees a scale-down that never happened and flips the count back)', () => {
    expect(changes(recommend(200, (state) => state))).toBeGreaterThan(10)
  })

  it('drops the scale event of this decision only', () => {
    const state = {
      recommendations: [{ atMs: 5000, replicas: 1 }],
      scaleUpEvents: [{ atMs: 1000, replicas: 1 }],
      scaleDownEvents: [
        { atMs: 3000, replicas: 1 },
        { atMs: 5000, replicas: 1 },
      ],
    }
    expect(recommendationOnly(state, 5000)).toEqual({
      recommendations: [{ atMs: 5000, replicas: 1 }],
      scaleUpEvents: [{ atMs: 1000, replicas: 1 }],
      scaleDownEvents: [{ atMs: 3000, replicas: 1 }],
    })
  })
})

describe('clearlyDown', () => {
  const second = (count: number, replicas: number) =>
    Array.from({ length: count }, (_, i) => ago(count - i, replicas))
  it.each([
    ['15 s at a sixth of 6 replicas', second(15, 1), 1, 6, true],
    ['only 13 s of history', second(13, 1), 1, 6, false],
    ['one second at 4 of 6 within the window', [...second(14, 1).slice(0, 13), ago(1, 4)], 1, 6, false],
    ['half of 6 (3) is clear', second(15, 3), 3, 6, true],
    ['4 of 6 is not half', second(15, 4), 4, 6, false],
    ['2 → 1 is half but frees one replica only', second(15, 1), 1, 2, false],
    ['4 → 2 frees two', second(15, 2), 2, 4, true],
  ])('%s', (_name, history, recommendation, current, expected) => {
    expect(clearlyDown(history, recommendation, current, NOW, DEFAULT_POLICY)).toBe(expected)
  })

  it('is off for the HPA defaults', () => {
    expect(clearlyDown(second(300, 1), 1, 8, NOW, HPA_DEFAULT_POLICY)).toBe(false)
  })
})
