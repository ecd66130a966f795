// Turns a validated plan into what the engine runs: the request path, the duration and, for an open
// loop, the rate segments. Every problem a person can fix is found here, before any request leaves.

import { TRAFFIC_LIMITS, type TrafficPattern, type TrafficPlan } from '../../shared/domain/traffic'
import { naturalDurationSeconds, type RateSegment, rateSegments, type SchedulePattern } from './schedule'
import { parseTraceCsv } from './trace-csv'

export interface CompiledPlan {
  mode: TrafficPlan['mode']
  pattern: TrafficPattern['kind'] | null
  /** The URL without its path, e.g. http://127.0.0.1:18080 */
  origin: string
  /** Path and query of every request. */
  path: string
  durationSeconds: number
  /** Open loop only; empty in closed loop. */
  segments: RateSegment[]
}

export type PlanCompilation = { ok: true; plan: CompiledPlan } | { ok: false; message: string }

export function compilePlan(plan: TrafficPlan): PlanCompilation {
  let url: URL
  try {
    url = new URL(plan.url)
  } catch {
    return { ok: false, message: `'${plan.url}' is not a URL; write it like http://127.0.0.1:18080` }
  }
  const path = plan.path ?? `${url.pathname}${url.search}`
  const base = { mode: plan.mode, origin: url.origin, path }

  if (plan.mode === 'closed') {
    if (plan.durationSeconds === undefined) return { ok: false, message: 'durationSeconds is required' }
    return { ok: true, plan: { ...base, pattern: null, durationSeconds: plan.durationSeconds, segments: [] } }
  }
  if (!plan.pattern)
    return { ok: false, message: 'an open-loop run needs a pattern (steady, ramp, spike, step or trace)' }

  let pattern: SchedulePattern
  if (plan.pattern.kind === 'trace') {
    const parsed = parseTraceCsv(plan.pattern.csv, plan.pattern.source)
    if (!parsed.ok) return { ok: false, message: parsed.message }
    pattern = { kind: 'trace', points: parsed.points, compress: plan.pattern.compress }
  } else {
    pattern = plan.pattern
  }
  const natural = naturalDurationSeconds(pattern)
  const durationSeconds = plan.durationSeconds ?? natural
  if (durationSeconds === undefined) {
    return { ok: false, message: `durationSeconds is required for a ${plan.pattern.kind} pattern` }
  }
  if (durationSeconds > TRAFFIC_LIMITS.maxDurationSeconds) {
    return {
      ok: false,
      message: `the trace lasts ${Math.round(durationSeconds)} s after compression, above the limit of ${TRAFFIC_LIMITS.maxDurationSeconds} s: raise compress or set a shorter duration`,
    }
  }
  const segments = rateSegments(pattern, durationSeconds)
  const peak = segments.reduce((max, s) => Math.max(max, s.fromRate, s.toRate), 0)
  if (peak > TRAFFIC_LIMITS.maxRate) {
    return {
      ok: false,
      message: `the ${plan.pattern.kind} reaches ${peak} requests per second, above the limit of ${TRAFFIC_LIMITS.maxRate}`,
    }
  }
  return { ok: true, plan: { ...base, pattern: plan.pattern.kind, durationSeconds, segments } }
}
