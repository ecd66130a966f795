// What a request log says: how many were sent and answered, how the others failed, how slow the worst were,
// and when the failures stopped. Pure, so that the runner and the tests read a log the same way.
import type { RequestRecord } from './open-loop'

export interface LoadSummary {
  sent: number
  ok: number
  failed: number
  /** By HTTP status ("503") or error code ("ECONNREFUSED"). */
  failedByKind: Record<string, number>
  worstLatencyMs: number
  p99LatencyMs: number
}

/** A request succeeded when it got a 2xx answer; anything else is a failure a user would notice. */
export const succeeded = (r: RequestRecord) => r.status !== null && r.status >= 200 && r.status < 300

/** The kind a failed request counts under: its HTTP status, or its error code. */
export const failureKind = (r: RequestRecord) => (r.status !== null ? String(r.status) : (r.error ?? '?'))

/** The q-quantile (0 < q ≤ 1) of `values`, nearest-rank; 0 for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number
}

export function summarizeLoad(records: readonly RequestRecord[]): LoadSummary {
  const failedByKind: Record<string, number> = {}
  let ok = 0
  for (const r of records) {
    if (succeeded(r)) ok++
    else failedByKind[failureKind(r)] = (failedByKind[failureKind(r)] ?? 0) + 1
  }
  const latencies = records.map((r) => r.latencyMs)
  return {
    sent: records.length,
    ok,
    failed: records.length - ok,
    failedByKind,
    worstLatencyMs: latencies.reduce((max, v) => Math.max(max, v), 0),
    p99LatencyMs: quantile(latencies, 0.99),
  }
}

/** "14 × 503, 2 × ECONNRESET", most frequent first; "none" when nothing failed. */
export function describeFailures(failedByKind: Record<string, number>): string {
  const entries = Object.entries(failedByKind).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  return entries.length === 0 ? 'none' : entries.map(([kind, n]) => `${n} × ${kind}`).join(', ')
}

/** When the last failed request due at or after `from` ended (epoch ms); undefined when none failed. */
export function lastFailureEnd(records: readonly RequestRecord[], from: number): number | undefined {
  let last: number | undefined
  for (const r of records) {
    if (r.intendedAt < from || succeeded(r)) continue
    const end = r.intendedAt + r.latencyMs
    if (last === undefined || end > last) last = end
  }
  return last
}

/**
 * The failed requests grouped by what failed and who answered ("503 from lab-1/acs-lab-1-6660", "ECONNREFUSED
 * (no answer)"), with the first and last time each was due relative to `origin`: the log's account of a fault.
 */
export function failureDigest(records: readonly RequestRecord[], origin: number): string[] {
  const groups = new Map<string, { n: number; first: number; last: number; detail: string | null }>()
  for (const r of records) {
    if (succeeded(r)) continue
    const who = r.servedBy ? `from ${r.servedBy}` : r.status !== null ? 'from a proxy' : '(no response)'
    const key = `${failureKind(r)} ${who}`
    const t = r.intendedAt - origin
    const group = groups.get(key)
    if (group) {
      group.n++
      group.first = Math.min(group.first, t)
      group.last = Math.max(group.last, t)
    } else groups.set(key, { n: 1, first: t, last: t, detail: r.detail })
  }
  return [...groups.entries()]
    .sort((a, b) => a[1].first - b[1].first)
    .map(
      ([key, g]) =>
        `${g.n} × ${key}, due ${(g.first / 1000).toFixed(2)} s to ${(g.last / 1000).toFixed(2)} s after the fault` +
        (g.detail ? ` (${JSON.stringify(g.detail.trim().slice(0, 160))})` : ''),
    )
}
