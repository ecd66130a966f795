import { describe, expect, it } from 'vitest'
import {
  DEFAULT_POLICY,
  NO_STEADINESS,
  type ReplicaSample,
  ScalingPolicy,
  type ScalingPolicyInput,
} from '../policy'
import type { PlacementStrategy } from './place-replicas'
import { type ClusterPlanState, type ClusterVm, planCluster, previewCluster } from './plan-cluster'

// Windows, rate limits and steadiness rules out of the way, to see the total and its placement alone.
const instant = (input: ScalingPolicyInput = {}) =>
  ScalingPolicy.parse({
    targetUtilization: 0.5,
    scaleUp: { stabilizationSeconds: 0, maxPercent: 1000, periodSeconds: 1 },
    scaleDown: { stabilizationSeconds: 0, maxPercent: 100, periodSeconds: 1 },
    steadiness: NO_STEADINESS,
    ...input,
  })

const busy = (count: number, utilization: number, vm = 'vm'): ReplicaSample[] =>
  Array.from({ length: count }, (_, i) => ({ id: `${vm}-c${i}`, ready: true, utilization }))

/** A ready VM of `capacity` running `running` replicas at `utilization`, all long ready. */
const vm = (
  name: string,
  running: number,
  capacity: number,
  utilization: number,
  ready = true,
): ClusterVm => ({
  id: name,
  name,
  ready,
  capacity,
  currentTarget: running,
  replicas: busy(running, utilization, name),
})

interface Case {
  name: string
  placement?: PlacementStrategy
  policy?: ScalingPolicyInput
  vms: ClusterVm[]
  desiredTotal: number
  targets: Record<string, number>
  unplaced?: number
  reasons?: string[]
  message?: string
}

describe('planCluster: the total and its placement', () => {
  it.each<Case>([
    {
      name: 'spreads a scale-up evenly',
      vms: [vm('lab-1', 2, 4, 0.9), vm('lab-2', 1, 4, 0.9)],
      desiredTotal: 6,
      targets: { 'lab-1': 3, 'lab-2': 3 },
      reasons: [
        'lab-1: 2 → 3 replicas (spread: it ran the fewest)',
        'lab-2: 1 → 3 replicas (spread: it ran the fewest)',
      ],
      message: 'CPU 90% of limit vs target 50% (ratio 1.80): 3 → 6 replicas',
    },
    {
      name: 'bin-packs the same scale-up onto the busiest VM',
      placement: 'bin-pack',
      vms: [vm('lab-1', 2, 4, 0.9), vm('lab-2', 1, 4, 0.9)],
      desiredTotal: 6,
      targets: { 'lab-1': 4, 'lab-2': 2 },
      reasons: [
        'lab-1: 2 → 4 replicas (bin-pack: it ran the most of the VMs with room)',
        'lab-2: 1 → 2 replicas (bin-pack: the only VM with room)',
      ],
    },
    {
      name: 'caps the total at the ready capacity and counts the rest as unplaced',
      vms: [vm('lab-1', 2, 2, 1), vm('lab-2', 1, 2, 1)],
      desiredTotal: 4,
      targets: { 'lab-1': 2, 'lab-2': 2 },
      unplaced: 2,
      reasons: ['lab-2: 1 → 2 replicas (spread: the only VM with room)'],
      message:
        'CPU 100% of limit vs target 50% (ratio 2.00): 3 → 4 replicas, limited by capacity (4 replicas fit)',
    },
    {
      name: 'asks for no more than the policy maximum beyond capacity',
      policy: { maxReplicas: 5 },
      vms: [vm('lab-1', 2, 2, 1), vm('lab-2', 2, 2, 1)],
      desiredTotal: 4,
      targets: { 'lab-1': 2, 'lab-2': 2 },
      unplaced: 1,
      reasons: [],
    },
    {
      name: 'leaves a VM that is not ready out of the total, the samples and the targets',
      vms: [vm('lab-1', 2, 4, 0.5), vm('lab-2', 3, 4, 1, false)],
      desiredTotal: 2,
      targets: { 'lab-1': 2 },
      reasons: [],
      message: 'CPU 50% of limit vs target 50% (ratio 1.00): holding 2 replicas, within the ±10% tolerance',
    },
    {
      name: 'keeps every replica where it is while the total holds',
      vms: [vm('lab-1', 4, 4, 0.52), vm('lab-2', 0, 4, 0)],
      desiredTotal: 4,
      targets: { 'lab-1': 4, 'lab-2': 0 },
      reasons: [],
    },
    {
      name: 'spread takes a scale-down from the VM that runs the most',
      vms: [vm('lab-1', 3, 4, 0.25), vm('lab-2', 1, 4, 0.25)],
      desiredTotal: 2,
      targets: { 'lab-1': 1, 'lab-2': 1 },
      reasons: ['lab-1: 3 → 1 replica (spread: it ran the most)'],
    },
    {
      name: 'bin-pack takes a scale-down from the VM that runs the fewest, emptying it',
      placement: 'bin-pack',
      vms: [vm('lab-1', 3, 4, 0.25), vm('lab-2', 1, 4, 0.25)],
      desiredTotal: 2,
      targets: { 'lab-1': 2, 'lab-2': 0 },
      reasons: [
        'lab-1: 3 → 2 replicas (bin-pack: it ran the fewest)',
        'lab-2: 1 → 0 replicas (bin-pack: it ran the fewest; now empty, it can be stopped)',
      ],
    },
    {
      name: 'brings back a VM told more than it holds',
      vms: [{ ...vm('lab-1', 3, 2, 0.5), replicas: busy(2, 0.5) }],
      desiredTotal: 2,
      targets: { 'lab-1': 2 },
      reasons: ['lab-1: 3 → 2 replicas (its capacity is 2 replicas)'],
    },
    {
      name: 'starts the minimum on a VM that runs nothing yet',
      policy: { minReplicas: 2 },
      vms: [{ ...vm('lab-1', 0, 4, 0), replicas: [] }],
      desiredTotal: 2,
      targets: { 'lab-1': 2 },
      reasons: ['lab-1: 0 → 2 replicas (spread: the only VM with room)'],
      message: 'No CPU metrics yet from a ready replica: 0 → 2 replicas, up to the minimum of 2 replicas',
    },
    {
      name: 'asks for a VM when no VM is ready',
      vms: [vm('lab-1', 2, 4, 1, false)],
      desiredTotal: 0,
      targets: {},
      unplaced: 1,
      reasons: [],
      message:
        'No CPU metrics yet from a ready replica: holding 0 replicas, limited by capacity (no replica fits)',
    },
  ])(
    '$name',
    ({ placement = 'spread', policy, vms, desiredTotal, targets, unplaced = 0, reasons, message }) => {
      const plan = planCluster({ now: 0, policy: instant(policy), placement, vms })
      expect(plan.desiredTotal).toBe(desiredTotal)
      expect(plan.targets).toEqual(targets)
      expect(plan.unplaced).toBe(unplaced)
      expect(Object.values(plan.targets).reduce((sum, n) => sum + n, 0)).toBe(desiredTotal)
      if (reasons) expect(plan.reasons).toEqual(reasons)
      if (message) expect(plan.decision.reason.message).toBe(message)
    },
  )
})

describe('planCluster: over time', () => {
  /** Two full VMs of 2 whose replicas run at `utilization`, evaluated at `second`. */
  const step = (second: number, utilization: number, state?: ClusterPlanState) =>
    planCluster(
      {
        now: second * 1000,
        policy: { ...DEFAULT_POLICY, targetUtilization: 0.5 },
        placement: 'spread',
        vms: [vm('lab-1', 2, 2, utilization), vm('lab-2', 2, 2, utilization)],
      },
      state,
    )

  it('does not ask for another VM on one noisy second, only once the rise holds', () => {
    let plan = step(0, 0.5)
    const unplaced = [1, 2, 3, 4].map((second) => {
      plan = step(second, 1, plan.state)
      return plan.unplaced
    })
    // The policy's 3 s scale-up stabilization: the lowest recommendation of the last 3 s applies.
    expect(unplaced).toEqual([0, 0, 4, 4])
    expect(plan.desiredTotal).toBe(4)
    expect(plan.decision.reason.limitedBy).toBe('capacity')
  })

  it('keeps the state of the capped decision, the one applied', () => {
    const policy = instant({ targetUtilization: 0.25 })
    const plan = planCluster({ now: 0, policy, placement: 'spread', vms: [vm('lab-1', 1, 2, 1)] })
    expect([plan.desiredTotal, plan.unplaced]).toEqual([2, 2])
    // One replica was added, not the three the policy wanted: the rate limit counts what happened.
    expect(plan.state.policy.scaleUpEvents).toEqual([{ atMs: 0, replicas: 1 }])
    expect(plan.state).toEqual({ policy: plan.decision.state })
  })
})

describe('previewCluster: the policy editor\'s "what would this load do"', () => {
  const input = {
    now: 0,
    policy: { ...DEFAULT_POLICY, targetUtilization: 0.5 },
    placement: 'spread' as const,
    vms: [vm('lab-1', 2, 4, 0.9), vm('lab-2', 1, 4, 0.9)],
  }

  it('shows where the load leads, where a fresh loop would first hold for its stabilization window', () => {
    expect(planCluster(input).decision.reason).toMatchObject({ action: 'hold', limitedBy: 'stabilization' })
    const preview = previewCluster(input)
    expect(preview.desiredTotal).toBe(6)
    expect(preview.targets).toEqual({ 'lab-1': 3, 'lab-2': 3 })
  })

  it('shows the scale-down a calm load leads to, and what no longer fits', () => {
    expect(
      previewCluster({ ...input, vms: [vm('lab-1', 3, 4, 0.1), vm('lab-2', 1, 4, 0.1)] }).targets,
    ).toEqual({
      // 0.4 limits' worth of load need one replica; the scale-down gives the rest back in one step.
      'lab-1': 0,
      'lab-2': 1,
    })
    expect(previewCluster({ ...input, vms: [vm('lab-1', 4, 4, 1)] })).toMatchObject({
      desiredTotal: 4,
      unplaced: 4,
    })
  })
})
