// The scores of docs/SCALING-BENCH.md, computed from one run's record: reaction, recovery, SLO-violation
// seconds, container-seconds and flaps, plus the facts the report uses to explain a loss.
import { sumOf } from './oracle'
import type { ReplicaLife, RunRecord, TargetChange } from './simulate'

export interface Scores {
  /** Load step → first replica created after it serving; null when none was. */
  reactionSeconds: number | null
  /** Load step → the first of 10 straight seconds within the SLO; null when never. */
  recoverySeconds: number | null
  violationSeconds: number
  failedRequests: number
  containerSeconds: number
  flaps: number
  /** The flaps that undid a scale-down. */
  downUpFlaps: number
  peakReplicas: number
  replicasStarted: number
  targetChanges: number
  /** Seconds with fewer replicas serving than the oracle runs. */
  underProvisionedSeconds: number
  /** Over all answered requests of the trace. */
  p95LatencyMs: number
}

/** Seconds that must stay within the SLO before a recovery counts (one good second is not a recovery). */
export const RECOVERY_HOLD_SECONDS = 10
export const FLAP_HORIZON_SECONDS = 60

/** A second fails the SLO when a request failed or the p95 (nearest rank) of the answered ones is over it. */
export function violates(sent: number, slow: number, failed: number): boolean {
  if (failed > 0) return true
  const answered = sent - failed
  return answered > 0 && answered - slow < Math.ceil(0.95 * answered)
}

export function violatingSeconds(record: Pick<RunRecord, 'sent' | 'slow' | 'failed'>): boolean[] {
  return Array.from(record.sent, (sent, s) => violates(sent, record.slow[s]!, record.failed[s]!))
}

/**
 * Reversals of direction: a change opposite to the one before it, within `horizon` seconds of it.
 * `only: 'down-up'` counts just the scale-downs undone by a scale-up (capacity given back too early).
 */
export function countFlaps(
  changes: readonly Pick<TargetChange, 'at' | 'from' | 'to'>[],
  horizon = FLAP_HORIZON_SECONDS,
  only?: 'down-up' | 'up-down',
) {
  let flaps = 0
  for (let i = 1; i < changes.length; i++) {
    const previous = changes[i - 1]!
    const change = changes[i]!
    const up = change.to > change.from
    const reversed = up !== previous.to > previous.from
    const kindMatches = only === undefined || (only === 'down-up') === up
    if (reversed && kindMatches && change.at - previous.at <= horizon) flaps++
  }
  return flaps
}

/** The second the expected load first needs more replicas than at the start, and how many it needs. */
export interface LoadStep {
  at: number
  needs: number
}

/**
 * From the step to the first replica created after it serving. 0 when enough replicas were already
 * serving as the step came (a policy that scaled up on noise just before a gradual rise is not late).
 */
export function reactionSeconds(
  replicas: readonly ReplicaLife[],
  step: LoadStep,
  servingAtStep: number,
): number | null {
  if (servingAtStep >= step.needs) return 0
  const stepAt = step.at
  let first: number | null = null
  for (const life of replicas) {
    if (life.createdAt < stepAt || (life.removedAt !== undefined && life.removedAt <= life.servingAt))
      continue
    if (first === null || life.servingAt < first) first = life.servingAt
  }
  return first === null ? null : first - stepAt
}

export function recoverySeconds(violating: readonly boolean[], stepAt: number, hold = RECOVERY_HOLD_SECONDS) {
  let good = 0
  for (let s = Math.max(0, Math.floor(stepAt)); s < violating.length; s++) {
    good = violating[s] ? 0 : good + 1
    if (good === hold) return s - hold + 1 - stepAt
  }
  return null
}

/** Every container's life within [0, duration): starting, serving and draining all cost. */
export function containerSeconds(replicas: readonly ReplicaLife[], duration: number): number {
  let total = 0
  for (const life of replicas) {
    const from = Math.max(0, life.createdAt)
    const to = Math.min(duration, life.removedAt ?? duration)
    if (to > from) total += to - from
  }
  return total
}

function peakReplicas(replicas: readonly ReplicaLife[], duration: number): number {
  const edges = replicas.flatMap((life) => [
    { at: Math.max(0, life.createdAt), delta: 1 },
    { at: Math.min(duration, life.removedAt ?? duration), delta: -1 },
  ])
  // Leavings first at equal times, so a replacement is not counted twice.
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta)
  let running = 0
  let peak = 0
  for (const edge of edges) {
    running += edge.delta
    peak = Math.max(peak, running)
  }
  return peak
}

function percentileMs(histogram: Uint32Array, fraction: number): number {
  const total = sumOf(histogram)
  const rank = Math.ceil(fraction * total)
  let seen = 0
  for (let ms = 0; ms < histogram.length; ms++) {
    seen += histogram[ms]!
    if (seen >= rank && rank > 0) return ms + 1
  }
  return 0
}

export function scoreRun(record: RunRecord, oracle: Uint16Array, step: LoadStep | null): Scores {
  const violating = violatingSeconds(record)
  // serving[s] is the count at the end of second s, so the count as the step begins is the one before.
  const servingAtStep = step === null ? 0 : (record.serving[step.at - 1] ?? 0)
  let underProvisioned = 0
  for (let s = 0; s < record.durationSeconds; s++) if (record.serving[s]! < oracle[s]!) underProvisioned++
  return {
    reactionSeconds: step === null ? null : reactionSeconds(record.replicas, step, servingAtStep),
    recoverySeconds: step === null ? null : recoverySeconds(violating, step.at),
    violationSeconds: violating.filter(Boolean).length,
    failedRequests: sumOf(record.failed),
    containerSeconds: containerSeconds(record.replicas, record.durationSeconds),
    flaps: countFlaps(record.changes),
    downUpFlaps: countFlaps(record.changes, FLAP_HORIZON_SECONDS, 'down-up'),
    peakReplicas: peakReplicas(record.replicas, record.durationSeconds),
    replicasStarted: record.replicas.filter((life) => life.createdAt >= 0).length,
    targetChanges: record.changes.length,
    underProvisionedSeconds: underProvisioned,
    p95LatencyMs: percentileMs(record.latencyMs, 0.95),
  }
}
