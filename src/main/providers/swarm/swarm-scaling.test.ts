import { describe, expect, it } from 'vitest'
import { defaultPolicy, NO_STEADINESS } from '../../../shared/policy'
import { type DrainInput, decideServiceReplicas, drainStep, swarmCapacity } from './swarm-scaling'

const defaults = defaultPolicy({ targetUtilization: 0.5, minReplicas: 1, maxReplicas: 10 })
// Acting on the first evaluation, so that each case shows one rule.
const policy = {
  ...defaults,
  scaleUp: { ...defaults.scaleUp, stabilizationSeconds: 0, maxReplicas: 10 },
  steadiness: NO_STEADINESS,
}
const settled = (id: string, node: string, utilization: number) => ({ id, node, ready: true, utilization })

describe('the service’s replicas', () => {
  it('come from the shared policy, with its reason', () => {
    const decision = decideServiceReplicas({
      now: 100_000,
      policy,
      current: 2,
      nodes: [
        { name: 'vim', schedulable: true, capacity: 4 },
        { name: 'h1', schedulable: true, capacity: 4 },
      ],
      tasks: [settled('a', 'vim', 1), settled('b', 'h1', 1)],
    })
    expect(decision.desired).toBe(4)
    expect(decision.reason.action).toBe('scale-up')
    expect(decision.reason.message).toMatch(/2 → 4 replicas/)
  })

  it('stop at what the schedulable nodes hold (max replicas per node)', () => {
    const decision = decideServiceReplicas({
      now: 100_000,
      policy,
      current: 2,
      nodes: [
        { name: 'vim', schedulable: true, capacity: 2 },
        { name: 'h1', schedulable: false, capacity: 2 },
      ],
      tasks: [settled('a', 'vim', 1), settled('b', 'vim', 1)],
    })
    expect(decision.desired).toBe(2)
    expect(decision.reason.limitedBy).toBe('capacity')
  })

  it.each([
    [
      [
        { name: 'a', schedulable: true, capacity: 2 },
        { name: 'b', schedulable: true, capacity: 3 },
      ],
      5,
    ],
    [
      [
        { name: 'a', schedulable: true, capacity: 2 },
        { name: 'b', schedulable: false, capacity: 3 },
      ],
      2,
    ],
    [[{ name: 'a', schedulable: true, capacity: 0 }], undefined],
  ])('capacity of %j is %s', (nodes, expected) => {
    expect(swarmCapacity(nodes)).toBe(expected)
  })
})

const base: DrainInput = {
  now: 10_000,
  phase: 'replacing',
  sinceMs: 0,
  tasksOnNode: 2,
  readyElsewhere: 1,
  wanted: 3,
  inFlight: 4,
  replaceTimeoutMs: 60_000,
  drainTimeoutMs: 30_000,
}

describe('a node’s departure, made before it breaks', () => {
  it('keeps its tasks in the rotation and surges the service until replacements are ready elsewhere', () => {
    expect(drainStep('h1', base)).toEqual({
      phase: 'replacing',
      surge: 2,
      outOfRotation: false,
      drainNow: false,
    })
  })

  it('takes it out of the rotation once the others serve what the policy wants', () => {
    const step = drainStep('h1', { ...base, readyElsewhere: 3 })
    expect(step).toMatchObject({ phase: 'draining', surge: 2, outOfRotation: true, drainNow: false })
    expect(step.message).toMatch(
      /h1: out of the rotation \(3 tasks ready on other nodes\); its 2 tasks finish/,
    )
  })

  it('goes on without replacements after the wait, and says so', () => {
    expect(drainStep('h1', { ...base, now: 60_000 }).message).toMatch(/no replacement was ready within 60 s/)
  })

  it('drains the node (Swarm stops its tasks) only when no request is in flight, or after the drain timeout', () => {
    const draining = { ...base, phase: 'draining' as const, readyElsewhere: 3 }
    expect(drainStep('h1', draining)).toMatchObject({
      phase: 'draining',
      drainNow: false,
      outOfRotation: true,
    })
    expect(drainStep('h1', { ...draining, inFlight: 0 })).toMatchObject({
      phase: 'drained',
      drainNow: true,
      surge: 0,
    })
    expect(drainStep('h1', { ...draining, now: 30_000 }).message).toMatch(
      /4 requests still in flight after 30 s/,
    )
  })
})
