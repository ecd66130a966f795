// Request rate, errors and latency per backend over a sliding window of one-second buckets, so that
// reports and the UI see what the proxy saw in the last few seconds, not since the start. Recording is
// O(1) and allocation-free on the path every request takes: latencies go into a fixed log-scale histogram
// (bins 9 % wide), so a summary costs the same at 10 and at 10,000 requests a second.

const BUCKETS = 10
/** Bins per doubling: the width of a bin is 2^(1/8) − 1 ≈ 9 %, so a percentile is within ±4.5 %. */
const BINS_PER_DOUBLING = 8
/** The first bin's lower edge; anything faster lands in bin 0. */
const SMALLEST_MS = 0.01
/** 0.01 ms × 2^24 ≈ 168 s: anything slower lands in the last bin. */
const BINS = 24 * BINS_PER_DOUBLING

interface Bucket {
  second: number
  requests: number
  errors: number
  latencies: Uint32Array
}

export interface TrafficSummary {
  /** Requests per second over the window. */
  requestRate: number
  errorRate: number
  latencyMsP50: number
  latencyMsP95: number
}

/** The histogram bin of a latency. */
export function latencyBin(ms: number): number {
  if (!(ms > SMALLEST_MS)) return 0
  return Math.min(BINS - 1, Math.floor(Math.log2(ms / SMALLEST_MS) * BINS_PER_DOUBLING))
}

/** What a bin stands for: the geometric middle of its edges. */
export function binLatencyMs(bin: number): number {
  return SMALLEST_MS * 2 ** ((bin + 0.5) / BINS_PER_DOUBLING)
}

export class RequestMeter {
  /** Per backend, a ring of BUCKETS seconds indexed by second modulo BUCKETS. */
  private readonly series = new Map<string, Bucket[]>()

  constructor(private readonly now: () => number = Date.now) {}

  record(backendId: string, latencyMs: number, ok: boolean): void {
    const second = Math.floor(this.now() / 1000)
    let ring = this.series.get(backendId)
    if (!ring) {
      ring = Array.from({ length: BUCKETS }, () => ({
        second: -1,
        requests: 0,
        errors: 0,
        latencies: new Uint32Array(BINS),
      }))
      this.series.set(backendId, ring)
    }
    const bucket = ring[second % BUCKETS] as Bucket
    if (bucket.second !== second) {
      // A second that went by: its slot is reused for this one.
      bucket.second = second
      bucket.requests = 0
      bucket.errors = 0
      bucket.latencies.fill(0)
    }
    bucket.requests++
    if (!ok) bucket.errors++
    const bin = latencyBin(latencyMs)
    bucket.latencies[bin] = (bucket.latencies[bin] as number) + 1
  }

  /** The last `windowSeconds` complete and current seconds; one id, or all backends together. */
  summary(backendId?: string, windowSeconds = 5): TrafficSummary {
    const now = Math.floor(this.now() / 1000)
    const from = now - Math.min(windowSeconds, BUCKETS) + 1
    const ids = backendId === undefined ? [...this.series.keys()] : [backendId]
    let requests = 0
    let errors = 0
    const latencies = new Uint32Array(BINS)
    for (const id of ids) {
      for (const bucket of this.series.get(id) ?? []) {
        if (bucket.second < from || bucket.second > now) continue
        requests += bucket.requests
        errors += bucket.errors
        for (let bin = 0; bin < BINS; bin++)
          latencies[bin] = (latencies[bin] as number) + (bucket.latencies[bin] as number)
      }
    }
    return {
      requestRate: requests / windowSeconds,
      errorRate: errors / windowSeconds,
      latencyMsP50: histogramPercentile(latencies, requests, 0.5),
      latencyMsP95: histogramPercentile(latencies, requests, 0.95),
    }
  }

  forget(backendId: string): void {
    this.series.delete(backendId)
  }
}

/** Nearest-rank percentile of a latency histogram holding `count` samples; 0 when there are none. */
function histogramPercentile(bins: Uint32Array, count: number, q: number): number {
  if (count === 0) return 0
  const rank = Math.min(count, Math.max(1, Math.ceil(q * count)))
  let seen = 0
  for (let bin = 0; bin < bins.length; bin++) {
    seen += bins[bin] as number
    if (seen >= rank) return binLatencyMs(bin)
  }
  return binLatencyMs(bins.length - 1)
}
