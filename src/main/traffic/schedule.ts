// The open-loop schedule: every pattern becomes a list of rate segments, and the segments become the
// intended send time of each request, computed before it is due so that a slow server cannot delay it.

import type { TrafficPattern } from '../../shared/domain/traffic'
import type { TracePoint } from './trace-csv'

/** The rate goes linearly from `fromRate` to `toRate` (requests per second) over the segment. */
export interface RateSegment {
  startMs: number
  durationMs: number
  fromRate: number
  toRate: number
}

/** A pattern with its trace already parsed. */
export type SchedulePattern =
  | Exclude<TrafficPattern, { kind: 'trace' }>
  | { kind: 'trace'; points: readonly TracePoint[]; compress: number }

/** How long a pattern lasts when the plan gives no duration; only a trace has one of its own. */
export function naturalDurationSeconds(pattern: SchedulePattern): number | undefined {
  if (pattern.kind !== 'trace') return undefined
  // The last row holds for one second of the trace's clock, like every other per-second row.
  return ((pattern.points.at(-1)?.second ?? 0) + 1) / pattern.compress
}

export function rateSegments(pattern: SchedulePattern, durationSeconds: number): RateSegment[] {
  const end = durationSeconds * 1000
  const pieces: RateSegment[] = []
  // Each piece is clipped to the run, so a spike or a step placed after the end simply does not happen.
  const piece = (fromS: number, toS: number, fromRate: number, toRate = fromRate) => {
    const startMs = Math.min(fromS * 1000, end)
    const endMs = Math.min(toS * 1000, end)
    if (endMs > startMs) pieces.push({ startMs, durationMs: endMs - startMs, fromRate, toRate })
  }
  switch (pattern.kind) {
    case 'steady':
      piece(0, durationSeconds, pattern.rate)
      break
    case 'ramp':
      piece(0, durationSeconds, pattern.from, pattern.to)
      break
    case 'spike': {
      const at = pattern.atSeconds ?? durationSeconds / 3
      const until = at + (pattern.lengthSeconds ?? durationSeconds / 3)
      piece(0, at, pattern.rate)
      piece(at, until, pattern.rate * pattern.factor)
      piece(until, durationSeconds, pattern.rate)
      break
    }
    case 'step': {
      const at = pattern.atSeconds ?? durationSeconds / 2
      piece(0, at, pattern.rate)
      piece(at, durationSeconds, pattern.to ?? pattern.rate * 2)
      break
    }
    case 'trace': {
      const { points, compress } = pattern
      points.forEach((point, i) => {
        const next = points[i + 1]?.second ?? point.second + 1
        piece(point.second / compress, next / compress, point.rate)
      })
      break
    }
  }
  return pieces
}

/** The intended rate at `ms` from the start; 0 outside the segments. */
export function rateAt(segments: readonly RateSegment[], ms: number): number {
  for (const s of segments) {
    if (ms >= s.startMs && ms < s.startMs + s.durationMs) {
      return s.fromRate + ((s.toRate - s.fromRate) * (ms - s.startMs)) / s.durationMs
    }
  }
  return 0
}

/** Requests the segments ask for: the integral of the rate. */
export function expectedRequests(segments: readonly RateSegment[]): number {
  return segments.reduce((sum, s) => sum + ((s.fromRate + s.toRate) / 2) * (s.durationMs / 1000), 0)
}

/**
 * Intended send times in ms from the start, in order. Request k goes where the integral of the rate
 * reaches k + ½, i.e. in the middle of its share of time: 200 req/s for 3 s gives exactly 600 requests,
 * 5 ms apart, and a ramp from 0 starts with a real gap rather than a request at t = 0.
 */
export function* sendTimes(segments: readonly RateSegment[]): Generator<number, void, undefined> {
  let k = 0
  let before = 0 // requests owed by the earlier segments
  for (const { startMs, durationMs, fromRate: a, toRate: b } of segments) {
    const seconds = durationMs / 1000
    const owed = ((a + b) / 2) * seconds
    for (; k + 0.5 < before + owed; k++) {
      const n = k + 0.5 - before
      // Solves a·t + (b − a)·t² / (2T) = n for t; this form stays exact when a = b and when a = 0.
      const t = (2 * n) / (a + Math.sqrt(Math.max(0, a * a + (2 * (b - a) * n) / seconds)))
      yield startMs + Math.min(t * 1000, durationMs)
    }
    before += owed
  }
}
