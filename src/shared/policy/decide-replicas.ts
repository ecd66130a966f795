// decideReplicas: the one scaling decision, made by the VMM agent for its VM and by the VIM for the
// cluster. Pure: the caller owns the clock and keeps the returned state between evaluations.
import { describeDecision } from './decision-message'
import { type RawRecommendation, type ReplicaSample, recommendReplicas } from './replica-calculator'
import {
  clearlyDown,
  inBurst,
  lowestWithin,
  type PolicyState,
  pruneState,
  recordScaleEvent,
  scaleDownLimit,
  scaledUpWithin,
  scaleUpLimit,
  stabilize,
  startPolicyState,
} from './scaling-behavior'
import type { ScalingPolicy } from './scaling-policy'

export interface ScalingInput {
  /** Milliseconds on the caller's clock; the same clock as the samples' readySinceMs. */
  now: number
  /** The replica count in force: the last target applied, including replicas still starting. */
  currentReplicas: number
  /** One per replica that serves or is starting; leave out draining and crashed ones. */
  samples: readonly ReplicaSample[]
  policy: ScalingPolicy
  /** The most replicas that fit (the VM's capacity for the agent); absent = only policy.maxReplicas. */
  capacity?: number
}

export type ScalingAction = 'scale-up' | 'scale-down' | 'hold'
export type ScalingLimit =
  | 'tolerance'
  | 'warm-up'
  | 'no-metrics'
  | 'stabilization'
  | 'rate-limit'
  | 'min'
  | 'max'
  | 'capacity'
  | 'headroom'
  | 'small-rise'
  | 'after-scale-up'
  | 'burst'
  | 'warming'

export interface DecisionReason {
  action: ScalingAction
  /** Mean CPU use of the settled replicas as a fraction of their limit; null without metrics. */
  utilization: number | null
  target: number
  /** utilization / target; null without metrics. */
  ratio: number | null
  /** The ratio after counting warming-up replicas as idle or metric-less ones as busy, when that applied. */
  adjustedRatio?: number
  current: number
  /** What the utilization alone asks for, before stabilization, rate limits and bounds. */
  rawDesired: number
  desired: number
  /** The rule that made `desired` differ from what the utilization asks for, if any. */
  limitedBy?: ScalingLimit
  warmingUp: number
  missingMetrics: number
  /** One sentence for the event log. */
  message: string
}

export interface Decision {
  desired: number
  reason: DecisionReason
  /** Pass this back on the next evaluation. It assumes `desired` is applied. */
  state: PolicyState
}

/**
 * Decides the replica count like the Kubernetes HPA: raw recommendation from utilization, then the
 * stabilization windows, then the rate limits and min/max, then capacity. Omit `previous` on a loop's
 * first evaluation (see startPolicyState).
 */
export function decideReplicas(input: ScalingInput, previous?: PolicyState): Decision {
  const { now, currentReplicas: current, policy } = input
  let state = pruneState(previous ?? startPolicyState(now, current), now, policy)
  const raw = recommendReplicas(now, current, input.samples, policy)

  // Capacity is physical and wins over the policy's minimum: replicas that do not fit cannot run.
  const capped = input.capacity !== undefined && input.capacity < policy.maxReplicas
  const ceiling = capped ? Math.max(0, Math.floor(input.capacity ?? 0)) : policy.maxReplicas
  const ceilingBy: ScalingLimit = capped ? 'capacity' : 'max'
  const floor = Math.min(policy.minReplicas, ceiling)
  const floorBy: ScalingLimit = floor < policy.minReplicas ? 'capacity' : 'min'

  const decide = (desired: number, limitedBy: ScalingLimit | undefined, rawDesired = desired): Decision => {
    state = recordScaleEvent(state, now, current, desired, policy)
    const action: ScalingAction = desired > current ? 'scale-up' : desired < current ? 'scale-down' : 'hold'
    const facts = { ...reasonFacts(raw, policy), action, current, rawDesired, desired }
    const reason = { ...facts, ...(limitedBy ? { limitedBy } : {}) }
    return { desired, reason: { ...reason, message: describeDecision(reason, policy, ceiling) }, state }
  }

  // Outside the bounds HPA goes straight back in, before metrics, windows or rate limits. Unlike HPA,
  // zero replicas is not "autoscaling off": an agent whose containers all crashed must start them again.
  if (current > ceiling) return decide(ceiling, ceilingBy, raw.replicas ?? current)
  if (current < floor) return decide(floor, floorBy, raw.replicas ?? current)
  if (ceiling === 0) return decide(0, 'capacity')
  if (raw.replicas === null) return decide(current, 'no-metrics')

  const { steadiness } = policy
  const bursty = inBurst(state, now, policy)
  // Bursty load keeps its replicas warm; otherwise a clear drop need not wait out the whole window.
  const downSeconds = bursty
    ? steadiness.burstStabilizationSeconds
    : clearlyDown(state.recommendations, raw.replicas, current, now, policy)
      ? Math.min(steadiness.clearDropSeconds, policy.scaleDown.stabilizationSeconds)
      : policy.scaleDown.stabilizationSeconds
  const stabilized = stabilize(state.recommendations, raw.replicas, current, now, policy, downSeconds)
  let desired = stabilized
  let limitedBy: ScalingLimit | undefined =
    raw.heldBy ??
    (stabilized === raw.replicas
      ? undefined
      : stabilized < raw.replicas || !bursty
        ? 'stabilization'
        : 'burst')
  // A small rise is mostly noise: it must hold as long as a metric window of HPA's before it buys replicas.
  const rising = raw.adjustedRatio ?? raw.ratio ?? 0
  if (desired > current && rising <= steadiness.smallRiseRatio && steadiness.smallRiseSeconds > 0) {
    const held = Math.max(
      current,
      lowestWithin(state.recommendations, stabilized, steadiness.smallRiseSeconds, now),
    )
    if (held < desired) {
      desired = held
      limitedBy = 'small-rise'
    }
  }
  // Replicas just asked for have not taken their share yet: what the busy ones show still counts the load
  // they will take, so another scale-up now would buy for the same excess twice.
  if (desired > current && raw.warmingUp > 0 && steadiness.waitForWarmUp) {
    desired = current
    limitedBy = 'warming'
  }
  // Giving back within the flap horizon of a scale-up would undo it; the load has not had time to settle.
  if (desired < current && scaledUpWithin(state, steadiness.scaleDownAfterUpSeconds, now)) {
    desired = current
    limitedBy = 'after-scale-up'
  }
  state = { ...state, recommendations: [...state.recommendations, { atMs: now, replicas: raw.replicas }] }
  if (desired > current) {
    const rateLimit = scaleUpLimit(current, state.scaleUpEvents, policy.scaleUp, now)
    const allowed = Math.min(rateLimit, ceiling)
    if (desired > allowed) {
      desired = allowed
      limitedBy = rateLimit < ceiling ? 'rate-limit' : ceilingBy
    }
  } else if (desired < current) {
    const rateLimit = scaleDownLimit(current, state.scaleDownEvents, policy.scaleDown, now)
    const allowed = Math.max(rateLimit, floor)
    if (desired < allowed) {
      desired = allowed
      limitedBy = rateLimit > floor ? 'rate-limit' : floorBy
    }
  }
  return decide(desired, limitedBy, raw.replicas)
}

function reasonFacts(raw: RawRecommendation, policy: ScalingPolicy) {
  return {
    utilization: raw.utilization,
    target: policy.targetUtilization,
    ratio: raw.ratio,
    ...(raw.adjustedRatio === undefined ? {} : { adjustedRatio: raw.adjustedRatio }),
    warmingUp: raw.warmingUp,
    missingMetrics: raw.missingMetrics,
  }
}
