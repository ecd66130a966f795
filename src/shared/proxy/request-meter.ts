// Request rate, errors and latency per backend over a sliding window of one-second buckets, so that
// reports and the UI see what the proxy saw in the last few seconds, not since the start.

const BUCKETS = 10
const MAX_SAMPLES_PER_BUCKET = 2000

interface Bucket {
  second: number
  requests: number
  errors: number
  latencies: number[]
}

export interface TrafficSummary {
  /** Requests per second over the window. */
  requestRate: number
  errorRate: number
  latencyMsP50: number
  latencyMsP95: number
}

export class RequestMeter {
  private readonly series = new Map<string, Bucket[]>()

  constructor(private readonly now: () => number = Date.now) {}

  record(backendId: string, latencyMs: number, ok: boolean): void {
    const second = Math.floor(this.now() / 1000)
    let buckets = this.series.get(backendId)
    if (!buckets) {
      buckets = []
      this.series.set(backendId, buckets)
    }
    let bucket = buckets.at(-1)
    if (bucket?.second !== second) {
      bucket = { second, requests: 0, errors: 0, latencies: [] }
      buckets.push(bucket)
      if (buckets.length > BUCKETS) buckets.shift()
    }
    bucket.requests++
    if (!ok) bucket.errors++
    // Beyond the cap a uniform reservoir keeps the percentiles honest without unbounded memory.
    if (bucket.latencies.length < MAX_SAMPLES_PER_BUCKET) bucket.latencies.push(latencyMs)
    else bucket.latencies[Math.floor(Math.random() * MAX_SAMPLES_PER_BUCKET)] = latencyMs
  }

  /** The last `windowSeconds` complete and current seconds; one id, or all backends together. */
  summary(backendId?: string, windowSeconds = 5): TrafficSummary {
    const from = Math.floor(this.now() / 1000) - windowSeconds + 1
    const ids = backendId === undefined ? [...this.series.keys()] : [backendId]
    let requests = 0
    let errors = 0
    const latencies: number[] = []
    for (const id of ids) {
      for (const bucket of this.series.get(id) ?? []) {
        if (bucket.second < from) continue
        requests += bucket.requests
        errors += bucket.errors
        latencies.push(...bucket.latencies)
      }
    }
    latencies.sort((a, b) => a - b)
    return {
      requestRate: requests / windowSeconds,
      errorRate: errors / windowSeconds,
      latencyMsP50: percentile(latencies, 0.5),
      latencyMsP95: percentile(latencies, 0.95),
    }
  }

  forget(backendId: string): void {
    this.series.delete(backendId)
  }
}

/** Nearest-rank percentile of sorted values; 0 when there are none. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number
}
