// Scaling over time, as the HPA controller does it (horizontal.go): the recommendation history behind the
// stabilization windows and the scale events behind the rate limits, kept as plain JSON by the caller.
import { z } from 'zod'
import { ceilCount, floorCount } from './replica-calculator'
import type { ScalingPolicy, ScalingRule } from './scaling-policy'

const TimedCount = z.object({ atMs: z.number(), replicas: z.number().int().nonnegative() })
export type TimedCount = z.infer<typeof TimedCount>

export const PolicyState = z.object({
  /** Raw recommendations (before stabilization and limits), oldest first. */
  recommendations: z.array(TimedCount),
  /** Replicas added by each applied scale-up, for the scale-up rate limit. */
  scaleUpEvents: z.array(TimedCount),
  /** Replicas removed by each applied scale-down, for the scale-down rate limit. */
  scaleDownEvents: z.array(TimedCount),
  /** When the load last came back (a scale-up) within steadiness.burstMemorySeconds of a scale-down. */
  burstAtMs: z.number().optional(),
})
export type PolicyState = z.infer<typeof PolicyState>

/**
 * The state of a loop that starts now. Like HPA, the current count counts as a recommendation, so a
 * restarted loop waits one scale-down window before it removes replicas it knows nothing about.
 */
export function startPolicyState(now: number, currentReplicas: number): PolicyState {
  return {
    recommendations: [{ atMs: now, replicas: currentReplicas }],
    scaleUpEvents: [],
    scaleDownEvents: [],
  }
}

const within = (entries: readonly TimedCount[], seconds: number, now: number) =>
  entries.filter((entry) => entry.atMs > now - seconds * 1000)

/** Drops what no window or period of this policy can see any more, so the state stays small. */
export function pruneState(state: PolicyState, now: number, policy: ScalingPolicy): PolicyState {
  const { steadiness } = policy
  const longestWindow = Math.max(
    policy.scaleUp.stabilizationSeconds,
    policy.scaleDown.stabilizationSeconds,
    steadiness.smallRiseSeconds,
    steadiness.burstStabilizationSeconds,
    steadiness.clearDropSeconds,
  )
  const pruned: PolicyState = {
    recommendations: within(state.recommendations, longestWindow, now),
    // Kept through the wait's last second too: a scale-down exactly 60 s after a scale-up still undoes it.
    scaleUpEvents: state.scaleUpEvents.filter(
      (event) =>
        event.atMs >= now - Math.max(policy.scaleUp.periodSeconds, steadiness.scaleDownAfterUpSeconds) * 1000,
    ),
    scaleDownEvents: within(
      state.scaleDownEvents,
      Math.max(policy.scaleDown.periodSeconds, steadiness.burstMemorySeconds),
      now,
    ),
  }
  return inBurst(state, now, policy) ? { ...pruned, burstAtMs: state.burstAtMs } : pruned
}

/** Whether the load has come back after a scale-down recently enough to count as bursty. */
export function inBurst(state: PolicyState, now: number, policy: ScalingPolicy): boolean {
  const memory = policy.steadiness.burstMemorySeconds
  return memory > 0 && state.burstAtMs !== undefined && now - state.burstAtMs <= memory * 1000
}

/**
 * Whether the load is clearly down: every recommendation of the last `clearDropSeconds`, the current one
 * included, asks for at most `clearDropRatio` of the replicas in force. A window shorter than that history
 * (a loop just started) proves nothing.
 */
export function clearlyDown(
  history: readonly TimedCount[],
  recommendation: number,
  current: number,
  now: number,
  policy: ScalingPolicy,
): boolean {
  const { clearDropRatio, clearDropSeconds } = policy.steadiness
  // One replica is what noise moves around a small count (2 → 1 is "half"): a clear drop frees at least two.
  const atMost = Math.min(current * clearDropRatio, current - 2)
  if (clearDropSeconds <= 0 || recommendation > atMost) return false
  const recent = within(history, clearDropSeconds, now)
  const oldest = recent[0]
  // The oldest evaluation inside the window is at most one loop interval younger than the window.
  const spanMs = (clearDropSeconds - policy.intervalSeconds) * 1000
  if (oldest === undefined || now - oldest.atMs < spanMs - 1e-6) return false
  return recent.every((entry) => entry.replicas <= atMost)
}

/** Whether a scale-up happened within the last `seconds` (≤, like the 60 s flap horizon). */
export function scaledUpWithin(state: PolicyState, seconds: number, now: number): boolean {
  return seconds > 0 && state.scaleUpEvents.some((event) => now - event.atMs <= seconds * 1000)
}

/** The lowest recommendation of the last `seconds`, the current one included. */
export function lowestWithin(
  history: readonly TimedCount[],
  recommendation: number,
  seconds: number,
  now: number,
) {
  let lowest = recommendation
  for (const entry of within(history, seconds, now)) lowest = Math.min(lowest, entry.replicas)
  return lowest
}

/**
 * Scale up only to the lowest recommendation of the up window and down only to the highest of the down
 * window: a change must be wanted for the whole window, and the result never crosses `current`.
 */
export function stabilize(
  history: readonly TimedCount[],
  recommendation: number,
  current: number,
  now: number,
  policy: ScalingPolicy,
  downSeconds = policy.scaleDown.stabilizationSeconds,
): number {
  const upTo = lowestWithin(history, recommendation, policy.scaleUp.stabilizationSeconds, now)
  let downTo = recommendation
  for (const entry of within(history, downSeconds, now)) {
    downTo = Math.max(downTo, entry.replicas)
  }
  return Math.min(Math.max(current, upTo), downTo)
}

const changedWithin = (events: readonly TimedCount[], rule: ScalingRule, now: number) =>
  within(events, rule.periodSeconds, now).reduce((sum, event) => sum + event.replicas, 0)

/** The most replicas allowed now: the larger of the percent and absolute allowances over the period. */
export function scaleUpLimit(current: number, events: readonly TimedCount[], rule: ScalingRule, now: number) {
  const periodStart = current - changedWithin(events, rule, now)
  // Rounded up, or a small count could never grow by a percentage (HPA does the same).
  const byPercent = periodStart + ceilCount((periodStart * rule.maxPercent) / 100)
  const limit = Math.max(byPercent, periodStart + rule.maxReplicas)
  return Math.max(limit, current)
}

/** The fewest replicas allowed now: the larger of the percent and absolute allowances over the period. */
export function scaleDownLimit(
  current: number,
  events: readonly TimedCount[],
  rule: ScalingRule,
  now: number,
) {
  const periodStart = current + changedWithin(events, rule, now)
  const byPercent = floorCount(periodStart - (periodStart * rule.maxPercent) / 100)
  const limit = Math.min(byPercent, periodStart - rule.maxReplicas)
  return Math.min(limit, current)
}

/** The state after a decision from `current` to `desired` has been applied. */
export function recordScaleEvent(
  state: PolicyState,
  now: number,
  current: number,
  desired: number,
  policy?: ScalingPolicy,
): PolicyState {
  if (desired > current) {
    const memory = policy?.steadiness.burstMemorySeconds ?? 0
    const returned = memory > 0 && state.scaleDownEvents.some((event) => now - event.atMs <= memory * 1000)
    const scaleUpEvents = [...state.scaleUpEvents, { atMs: now, replicas: desired - current }]
    return { ...state, scaleUpEvents, ...(returned ? { burstAtMs: now } : {}) }
  }
  if (desired < current) {
    return {
      ...state,
      scaleDownEvents: [...state.scaleDownEvents, { atMs: now, replicas: current - desired }],
    }
  }
  return state
}

/**
 * The state after a decision that stayed a recommendation (an agent following the VIM's target): it still
 * counts for the stabilization windows, but no replica moved, so the rate limits must not see a scale
 * event. Were it kept, the next evaluation would find the period's allowance spent by a scale-down that
 * never happened and recommend the old count again, and so on, flipping every evaluation.
 */
export function recommendationOnly(state: PolicyState, now: number): PolicyState {
  const notNow = (events: TimedCount[]) => events.filter((event) => event.atMs !== now)
  const { burstAtMs, ...rest } = state
  return {
    ...rest,
    ...(burstAtMs === undefined || burstAtMs === now ? {} : { burstAtMs }),
    scaleUpEvents: notNow(state.scaleUpEvents),
    scaleDownEvents: notNow(state.scaleDownEvents),
  }
}
