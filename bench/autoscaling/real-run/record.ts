// The real run's record in the simulation's shape (trace time), so that the simulation's score code
// scores it: each request by its intended send time, latency × F, and the agent's replica timeline.
import type { RunRecord } from '../simulate'
import { toTraceSeconds } from './compress'
import type { ReplicaTimeline } from './timeline'

/** One request as the client saw it: when it left and when it ended, in ms on the client's clock. */
export interface TappedRequest {
  createdMs: number
  doneMs?: number
  /** HTTP status, absent when there was no response. */
  status?: number
  error?: string
}

export interface RequestSample {
  /** Trace seconds of its intended send time. */
  sentAt: number
  /** Latency in trace ms (× F); null when it failed. */
  latencyMs: number | null
}

export interface ReplayedRequests {
  samples: RequestSample[]
  /** ms of the client's clock at which the schedule's time 0 fell. */
  scheduleStartMs: number
  /** Scheduled but never sent (the engine held its maximum in flight until the end). */
  unsent: number
}

/**
 * The engine sends its schedule in order, so the k-th request seen is the k-th scheduled one. Its start
 * is the earliest (send − schedule) offset: no request leaves before its time, the first ones on time.
 */
export function replayedRequests(
  tapped: readonly TappedRequest[],
  scheduleMs: readonly number[],
  factor: number,
  warmupSeconds: number,
): ReplayedRequests {
  let start = Number.POSITIVE_INFINITY
  const n = Math.min(tapped.length, scheduleMs.length)
  for (let k = 0; k < n; k++) start = Math.min(start, tapped[k]!.createdMs - scheduleMs[k]!)
  const samples = scheduleMs.map((ms, k): RequestSample => {
    const sentAt = toTraceSeconds(ms / 1000, factor, warmupSeconds)
    const request = tapped[k]
    const answered =
      request?.doneMs !== undefined && request.error === undefined && (request.status ?? 0) < 400
    return { sentAt, latencyMs: answered ? (request.doneMs! - (start + ms)) * factor : null }
  })
  return { samples, scheduleStartMs: start, unsent: Math.max(0, scheduleMs.length - tapped.length) }
}

const MAX_LATENCY_MS = 60_000

export function runRecord(
  contender: RunRecord['contender'],
  durationSeconds: number,
  samples: readonly RequestSample[],
  timeline: Pick<ReplicaTimeline, 'lives' | 'changes'>,
  sloMs: number,
): RunRecord {
  const T = durationSeconds
  const record: RunRecord = {
    contender,
    durationSeconds: T,
    sent: new Uint32Array(T),
    slow: new Uint32Array(T),
    failed: new Uint32Array(T),
    serving: new Uint16Array(T),
    replicas: timeline.lives,
    changes: [...timeline.changes],
    latencyMs: new Uint32Array(MAX_LATENCY_MS + 1),
  }
  for (const { sentAt, latencyMs } of samples) {
    const second = Math.floor(sentAt)
    if (second < 0 || second >= T) continue
    record.sent[second]!++
    if (latencyMs === null) {
      record.failed[second]!++
      continue
    }
    if (latencyMs > sloMs) record.slow[second]!++
    record.latencyMs[Math.min(MAX_LATENCY_MS, Math.max(0, Math.floor(latencyMs)))]!++
  }
  // As the simulation counts them: taking requests at the end of each second.
  for (let s = 0; s < T; s++) {
    const end = s + 1
    record.serving[s] = timeline.lives.filter(
      (life) => life.servingAt <= end && (life.removedAt === undefined || life.removedAt > end),
    ).length
  }
  return record
}
