// What a run measured: latency in HDR histograms (the last interval and the whole run), status codes,
// failures by cause, and how late requests left against their schedule.
import { build, type Histogram } from 'hdr-histogram-js'
import type { LatencySummary, TrafficErrorKind, TrafficSnapshot } from '../../shared/domain/traffic'

/** Latencies are kept in microseconds, 3 significant digits, up to two hours (far above any timeout). */
const newHistogram = (): Histogram =>
  build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 7_200_000_000,
    numberOfSignificantValueDigits: 3,
  })

const toMicros = (ms: number) => Math.max(1, Math.round(ms * 1000))

/** Microseconds to milliseconds, to the microsecond. */
const ms = (micros: number) => Math.round(micros) / 1000
/** Rates and durations on the wire: a person reads 3 decimals at most. */
const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits

/** HDR reports the top of a value's bucket, which can lie above the exact maximum: capped at it. */
const percentile = (histogram: Histogram, p: number) =>
  ms(Math.min(histogram.getValueAtPercentile(p), histogram.maxValue))

function latencySummary(histogram: Histogram): LatencySummary {
  if (histogram.totalCount === 0) return { p50: 0, p90: 0, p99: 0, max: 0 }
  return {
    p50: percentile(histogram, 50),
    p90: percentile(histogram, 90),
    p99: percentile(histogram, 99),
    max: ms(histogram.maxValue),
  }
}

/** Maps what undici and Node throw to the causes a person tells apart. */
export function errorKind(error: unknown): TrafficErrorKind {
  const codeOf = (value: unknown) =>
    typeof value === 'object' && value !== null && 'code' in value ? String(value.code) : undefined
  const code = codeOf(error) ?? codeOf((error as { cause?: unknown } | null)?.cause)
  switch (code) {
    case 'ECONNREFUSED':
      return 'connect-refused'
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return 'connect-timeout'
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'timeout'
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return 'reset'
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns'
    default:
      return 'other'
  }
}

interface Counts {
  sent: number
  completed: number
  failed: number
}

export type MeasuredPart = Pick<
  TrafficSnapshot,
  'sent' | 'interval' | 'total' | 'statusCodes' | 'errors' | 'aborted' | 'unsent' | 'sendLagMs'
>

export class TrafficStats {
  private readonly totalLatency = newHistogram()
  private readonly intervalLatency = newHistogram()
  private readonly sendLag = newHistogram()
  private readonly total: Counts = { sent: 0, completed: 0, failed: 0 }
  private interval: Counts = { sent: 0, completed: 0, failed: 0 }
  private readonly statusCodes: Record<string, number> = {}
  private readonly errors: Partial<Record<TrafficErrorKind, number>> = {}
  private aborted = 0
  private unsent = 0
  private intervalStartedAt: number

  constructor(
    private readonly startedAt: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.intervalStartedAt = startedAt
  }

  get sent(): number {
    return this.total.sent
  }

  recordSent(lagMs: number): void {
    this.total.sent++
    this.interval.sent++
    this.sendLag.recordValue(toMicros(Math.max(0, lagMs)))
  }

  recordResponse(status: number, latencyMs: number): void {
    this.statusCodes[status] = (this.statusCodes[status] ?? 0) + 1
    this.totalLatency.recordValue(toMicros(latencyMs))
    this.intervalLatency.recordValue(toMicros(latencyMs))
    this.complete(status >= 400)
  }

  recordError(kind: TrafficErrorKind): void {
    this.errors[kind] = (this.errors[kind] ?? 0) + 1
    this.complete(true)
  }

  recordAborted(): void {
    this.aborted++
  }

  recordUnsent(count: number): void {
    this.unsent += count
  }

  /**
   * The numbers so far. `closeInterval` starts a new interval (the once-a-second snapshot does);
   * `sendingSeconds` is how long the run has been sending, for the total send rate.
   */
  read(closeInterval: boolean, sendingSeconds: number): MeasuredPart {
    const now = this.now()
    const intervalSeconds = Math.max(1e-3, (now - this.intervalStartedAt) / 1000)
    const elapsedSeconds = Math.max(1e-3, (now - this.startedAt) / 1000)
    const part: MeasuredPart = {
      sent: this.total.sent,
      interval: {
        seconds: round(intervalSeconds),
        completed: this.interval.completed,
        rate: round(this.interval.completed / intervalSeconds, 2),
        sentRate: round(this.interval.sent / intervalSeconds, 2),
        failed: this.interval.failed,
        latencyMs: latencySummary(this.intervalLatency),
      },
      total: {
        completed: this.total.completed,
        rate: round(this.total.completed / elapsedSeconds, 2),
        sentRate: round(this.total.sent / Math.max(1e-3, sendingSeconds), 2),
        failed: this.total.failed,
        latencyMs: latencySummary(this.totalLatency),
      },
      statusCodes: { ...this.statusCodes },
      errors: { ...this.errors },
      aborted: this.aborted,
      unsent: this.unsent,
      sendLagMs: { p99: percentile(this.sendLag, 99), max: ms(this.sendLag.maxValue) },
    }
    if (closeInterval) {
      this.intervalLatency.reset()
      this.interval = { sent: 0, completed: 0, failed: 0 }
      this.intervalStartedAt = now
    }
    return part
  }

  private complete(failed: boolean): void {
    this.total.completed++
    this.interval.completed++
    if (failed) {
      this.total.failed++
      this.interval.failed++
    }
  }
}
