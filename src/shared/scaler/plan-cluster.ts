// The VIM's cluster decision while agents are connected: one replica total for the whole cluster from
// the shared policy, then one target per ready VM. Pure: the caller owns the clock and keeps the state.
import { z } from 'zod'
import { type Decision, decideReplicas, PolicyState, type ReplicaSample, type ScalingPolicy } from '../policy'
import { type PlacementStrategy, placeReplicas, wholeCount } from './place-replicas'

/** One VM as the VIM knows it from its provider, its agent's hello and its latest report. */
export interface ClusterVm {
  id: string
  name: string
  /** The agent is connected and the VM can run containers. Other VMs are left out of the plan. */
  ready: boolean
  /** Most containers it runs (the hello's capacity.containers). */
  capacity: number
  /**
   * The count the VM converges to: the VIM's last target, or, right after an agent (re)connects, the
   * report's `target`, since a standalone agent may have followed its own recommendation meanwhile.
   */
  currentTarget: number
  /**
   * One per container that serves or is starting, draining ones left out: `ready` = state 'ready',
   * `readySinceMs` = readyAt on the VIM's clock, `utilization` = mean cpuPercent / 100 over the
   * policy's metricWindowSeconds (absent until the window is full).
   */
  replicas: readonly ReplicaSample[]
  /**
   * The agent's own recommendation for its VM. Not an input to the decision (one policy, one owner:
   * the VIM decides from the containers' samples); accepted so that a report maps onto this as is.
   */
  recommendation?: number
}

export interface ClusterPlanInput {
  now: number
  /** min/maxReplicas bound the whole cluster. */
  policy: ScalingPolicy
  placement: PlacementStrategy
  vms: readonly ClusterVm[]
}

/** Plain JSON, so the VIM may keep it across restarts. */
export const ClusterPlanState = z.object({ policy: PolicyState })
export type ClusterPlanState = z.infer<typeof ClusterPlanState>

export interface ClusterPlan {
  /** Replicas placed on the ready VMs: the sum of `targets`. */
  desiredTotal: number
  /** A target for every ready VM, by VM id; VMs that are not ready get none. */
  targets: Record<string, number>
  /** Replicas the policy wants beyond what the ready VMs hold: the cluster needs another VM. */
  unplaced: number
  decision: Decision
  /** One sentence per VM whose target changes, e.g. "lab-2: 1 → 2 replicas (spread: it ran the fewest)". */
  reasons: string[]
  state: ClusterPlanState
}

/**
 * Decides the cluster total with the shared policy over every container of the ready VMs, capped by
 * their capacity, and places it. Omit `previous` on the loop's first evaluation.
 */
export function planCluster(input: ClusterPlanInput, previous?: ClusterPlanState): ClusterPlan {
  const { now, policy } = input
  const ready = input.vms.filter((vm) => vm.ready)
  const vms = ready.map((vm) => ({
    id: vm.id,
    name: vm.name,
    capacity: vm.capacity,
    current: vm.currentTarget,
  }))
  const capacity = vms.reduce((sum, vm) => sum + wholeCount(vm.capacity), 0)
  const scaling = {
    now,
    // A VM cannot hold more than its capacity, whatever it was told.
    currentReplicas: vms.reduce(
      (sum, vm) => sum + Math.min(wholeCount(vm.current), wholeCount(vm.capacity)),
      0,
    ),
    samples: ready.flatMap((vm) => vm.replicas),
    policy,
  }
  const decision = decideReplicas({ ...scaling, capacity }, previous?.policy)
  // The same evaluation without the capacity cap (its state is not kept: only the capped one is applied)
  // tells how many replicas the policy wants but cannot place, after the same windows and rate limits,
  // so one noisy second does not start a VM.
  const wanted = decideReplicas(scaling, previous?.policy).desired
  const placement = placeReplicas(vms, decision.desired, input.placement)
  return {
    desiredTotal: decision.desired - placement.unplaced,
    targets: placement.targets,
    unplaced: Math.max(0, wanted - decision.desired) + placement.unplaced,
    decision,
    reasons: placement.reasons,
    state: { policy: decision.state },
  }
}

/**
 * For the policy editor: what the current load would do under a policy, without the running loop's
 * history. The stabilization windows see only this evaluation, so the plan shows where the load leads
 * (one rate-limited step of it), not the hold a freshly started loop would report.
 */
export function previewCluster(input: ClusterPlanInput): ClusterPlan {
  return planCluster(input, { policy: { recommendations: [], scaleUpEvents: [], scaleDownEvents: [] } })
}
