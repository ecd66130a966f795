// The replica calculator: per-replica CPU samples → one raw replica recommendation, with the Kubernetes
// HPA's rules (replica_calculator.go) for the tolerance band and for replicas that are warming up.
import type { ScalingPolicy } from './scaling-policy'

export interface ReplicaSample {
  id: string
  ready: boolean
  /** When the replica last became ready, in ms on the caller's clock; absent = long enough ago. */
  readySinceMs?: number
  /** Mean CPU use over the metric window as a fraction of the replica's CPU limit; absent = no metric yet. */
  utilization?: number
}

export interface RawRecommendation {
  /** null when no settled replica has a metric: there is nothing to decide on. */
  replicas: number | null
  /** Mean utilization of the settled replicas with a metric (what a person would call "the CPU"). */
  utilization: number | null
  ratio: number | null
  /** The ratio after counting warming-up replicas as idle or metric-less ones as busy, when that applied. */
  adjustedRatio?: number
  warmingUp: number
  missingMetrics: number
  heldBy?: 'tolerance' | 'warm-up' | 'no-metrics' | 'headroom'
}

// Float noise must not cost a replica: 0.72 / 0.6 × 5 is 6.000000000000001, which ceil() makes 7.
const EPSILON = 1e-9
export const ceilCount = (x: number) => Math.max(0, Math.ceil(x - EPSILON))
export const floorCount = (x: number) => Math.floor(x + EPSILON)

/**
 * The replicas that bring `count` replicas at `ratio` to the target. Downwards they must stay
 * `scaleDownHeadroom` under it: landing right at the target, the next noisy minute would add a replica back.
 */
function fewest(ratio: number, count: number, policy: ScalingPolicy): number {
  const headroom = ratio < 1 ? policy.steadiness.scaleDownHeadroom : 0
  return ceilCount((ratio * count) / (1 - headroom))
}

/** Whether the headroom alone stops a scale-down that the ratio asks for. */
const keptByHeadroom = (ratio: number, count: number, replicas: number, current: number) =>
  ratio < 1 && replicas >= current && ceilCount(ratio * count) < current

const mean = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0) / values.length

export function recommendReplicas(
  now: number,
  currentReplicas: number,
  samples: readonly ReplicaSample[],
  policy: ScalingPolicy,
): RawRecommendation {
  // A sample whose window reaches back before readiness mixes in idle start-up time; HPA likewise waits
  // for one full metric window after the ready transition.
  const settleMs = Math.max(policy.readinessDelaySeconds, policy.metricWindowSeconds) * 1000
  const measured: number[] = []
  // Replicas the count includes but the caller has no sample for are still being created: warming up.
  let warmingUp = Math.max(0, currentReplicas - samples.length)
  let missingMetrics = 0
  for (const sample of samples) {
    const settling = sample.readySinceMs !== undefined && now - sample.readySinceMs < settleMs
    if (!sample.ready || settling) warmingUp++
    else if (sample.utilization === undefined || !Number.isFinite(sample.utilization)) missingMetrics++
    else measured.push(Math.max(0, sample.utilization))
  }

  const counts = { warmingUp, missingMetrics }
  if (measured.length === 0) {
    return { replicas: null, utilization: null, ratio: null, ...counts, heldBy: 'no-metrics' }
  }
  const target = policy.targetUtilization
  const utilization = mean(measured)
  const ratio = utilization / target
  const withinTolerance = (r: number) =>
    r >= 1 - policy.tolerance.down - EPSILON && r <= 1 + policy.tolerance.up + EPSILON
  const hold = (heldBy: 'tolerance' | 'warm-up' | 'headroom', adjustedRatio?: number): RawRecommendation => ({
    replicas: currentReplicas,
    utilization,
    ratio,
    ...(adjustedRatio === undefined ? {} : { adjustedRatio }),
    ...counts,
    heldBy,
  })

  // Warming-up replicas only matter when scaling up: they will take load, so they count as idle.
  const rebalanceWarming = warmingUp > 0 && ratio > 1
  if (!rebalanceWarming && missingMetrics === 0) {
    if (withinTolerance(ratio)) return hold('tolerance')
    const replicas = fewest(ratio, measured.length, policy)
    if (keptByHeadroom(ratio, measured.length, replicas, currentReplicas)) return hold('headroom')
    return { replicas, utilization, ratio, ...counts }
  }

  // Assume the worst for the direction we lean: metric-less replicas are busy on a scale-down and idle
  // on a scale-up; then recompute, and never let the assumption reverse the direction.
  const values = [...measured]
  if (ratio < 1) values.push(...Array<number>(missingMetrics).fill(1))
  else if (ratio > 1) values.push(...Array<number>(missingMetrics).fill(0))
  if (rebalanceWarming) values.push(...Array<number>(warmingUp).fill(0))
  const adjustedRatio = mean(values) / target

  // The adjustment only moves the ratio toward 1 or past it, so a measured ratio inside the band always
  // ends in a hold here, and the band is the reason a person should read.
  if (withinTolerance(ratio) || withinTolerance(adjustedRatio)) return hold('tolerance', adjustedRatio)
  if ((ratio < 1 && adjustedRatio > 1) || (ratio > 1 && adjustedRatio < 1))
    return hold('warm-up', adjustedRatio)
  const replicas = fewest(adjustedRatio, values.length, policy)
  if (keptByHeadroom(adjustedRatio, values.length, replicas, currentReplicas)) {
    return hold('headroom', adjustedRatio)
  }
  if (
    (adjustedRatio < 1 && replicas > currentReplicas) ||
    (adjustedRatio > 1 && replicas < currentReplicas)
  ) {
    return hold('warm-up', adjustedRatio)
  }
  return { replicas, utilization, ratio, adjustedRatio, ...counts }
}
