// An open-loop GET load that keeps every request's outcome: it sends on the traffic generator's precomputed
// schedule, measures latency from each request's intended send time (a stalled server cannot hide its
// queue), and is bounded in time and count. The log says which VM and container answered, or what failed.
import { setMaxListeners } from 'node:events'
import { Pool } from 'undici'
import { rateSegments, sendTimes } from '../../src/main/traffic/schedule'
import { succeeded } from './load-summary'

export interface RequestRecord {
  /** Milliseconds since the epoch at which the request was due (its schedule slot). */
  intendedAt: number
  /** From the intended send time to the end of the response body, or to the error. */
  latencyMs: number
  /** The HTTP status, or null when no response came. */
  status: number | null
  /** The error's code (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, …) when no response came. */
  error: string | null
  /** The X-Served-By header: `vm/container`. */
  servedBy: string | null
  /** For an answer that is not 2xx: the start of its body (the proxy's or agent's explanation). */
  detail: string | null
  /** For an answer that is not 2xx: its Retry-After header, if any. */
  retryAfter: string | null
}

export interface OpenLoopOptions {
  /** The full URL each request GETs. */
  url: string
  /** Requests per second. */
  rate: number
  /** The load ends after this long at the latest (stop() ends it earlier). */
  maxSeconds: number
  /** Most requests sent in all (default: the schedule's own count). */
  maxRequests?: number
  /** A request without a complete answer after this long counts as failed (default 20 s). */
  timeoutMs?: number
  /** Requests in flight at once; beyond it, due requests wait (their latency shows it). Default 512. */
  maxInFlight?: number
}

const USER_AGENT = 'auto-cloud-scaler-chaos'
/** The error of a request still waiting for its answer when the load stopped (after the grace). */
export const UNANSWERED_AT_STOP = 'UNANSWERED_AT_STOP'
/** How much of a failed answer's body the log keeps. */
const DETAIL_CHARS = 200

/** The epoch time of a performance.now() reading, to the sub-millisecond. */
const epochOf = (monotonic: number) => performance.timeOrigin + monotonic

/** The code of a failed request's error (or of its cause), else its name. */
export function errorCode(error: unknown): string {
  const codeOf = (value: unknown) =>
    typeof value === 'object' && value !== null && 'code' in value ? String(value.code) : undefined
  const cause = (error as { cause?: unknown } | null)?.cause
  return codeOf(error) ?? codeOf(cause) ?? (error instanceof Error ? error.name : 'unknown')
}

export class OpenLoopLoad {
  /** Every request that was sent, in the order it ended. */
  readonly log: RequestRecord[] = []
  /** Resolves with the log once sending ended and every request in flight has ended. */
  readonly done: Promise<RequestRecord[]>
  private readonly pool: Pool
  private readonly url: URL
  private readonly startedAt = performance.now()
  private stopRequested = false
  private readonly cancel = new AbortController()
  private inFlight = 0
  private wake: (() => void) | undefined
  /** Intended send times (performance.now()) of the requests in flight. */
  private readonly pending = new Set<number>()
  private lastFailureEndedAt = Number.NEGATIVE_INFINITY
  private readonly idle: (() => void)[] = []

  constructor(private readonly options: OpenLoopOptions) {
    if (!(options.rate > 0 && options.maxSeconds > 0))
      throw new Error(`open-loop load: rate and maxSeconds must be more than 0`)
    this.url = new URL(options.url)
    const connections = options.maxInFlight ?? 512
    // One connection per outstanding request, so that every wait happens here, where it is measured.
    this.pool = new Pool(this.url.origin, { connections, pipelining: 1, connect: { timeout: 5000 } })
    setMaxListeners(connections + 16, this.cancel.signal)
    this.done = this.run(connections)
  }

  /** Requests sent so far. */
  get sent(): number {
    return this.log.length + this.inFlight
  }

  /**
   * True when, for the last `ms`, no request failed and none has been in flight longer than that: the
   * clients see a working service again (a request still hanging is not yet a success).
   */
  quietFor(ms: number): boolean {
    const since = performance.now() - ms
    if (this.lastFailureEndedAt > since) return false
    for (const intendedAt of this.pending) if (intendedAt < since) return false
    return true
  }

  /**
   * Sends nothing more; requests in flight get `graceMs` to end, then are aborted and logged as
   * UNANSWERED_AT_STOP. Resolves with the log.
   */
  stop(graceMs = 10_000): Promise<RequestRecord[]> {
    if (!this.stopRequested) {
      this.stopRequested = true
      this.wake?.()
      // Requests still unanswered after the grace are logged as such: a hang the run outlasted is a failure.
      const timer = setTimeout(() => this.cancel.abort(), graceMs)
      void this.done.finally(() => clearTimeout(timer))
    }
    return this.done
  }

  private async run(maxInFlight: number): Promise<RequestRecord[]> {
    const segments = rateSegments({ kind: 'steady', rate: this.options.rate }, this.options.maxSeconds)
    const limit = this.options.maxRequests ?? Number.POSITIVE_INFINITY
    let sent = 0
    try {
      for (const offset of sendTimes(segments)) {
        if (this.stopRequested || sent >= limit) break
        const intendedAt = this.startedAt + offset
        while (!this.stopRequested && (performance.now() < intendedAt || this.inFlight >= maxInFlight)) {
          await this.pause(Math.max(1, intendedAt - performance.now()))
        }
        if (this.stopRequested) break
        sent++
        void this.send(intendedAt)
      }
      if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.push(resolve))
    } finally {
      await this.pool.close().catch(() => {})
    }
    return this.log
  }

  private async send(intendedAt: number): Promise<void> {
    this.inFlight++
    this.pending.add(intendedAt)
    const timeout = this.options.timeoutMs ?? 20_000
    const record: RequestRecord = {
      intendedAt: epochOf(intendedAt),
      latencyMs: 0,
      status: null,
      error: null,
      servedBy: null,
      detail: null,
      retryAfter: null,
    }
    try {
      const response = await this.pool.request({
        path: `${this.url.pathname}${this.url.search}`,
        method: 'GET',
        headers: { 'user-agent': USER_AGENT },
        signal: this.cancel.signal,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      })
      const servedBy = response.headers['x-served-by']
      record.servedBy = typeof servedBy === 'string' ? servedBy : null
      // Read to the end: the latency includes the whole answer, and the connection is reused.
      let body = ''
      for await (const chunk of response.body) if (body.length < DETAIL_CHARS) body += chunk
      record.status = response.statusCode
      if (!succeeded(record)) {
        record.detail = body.slice(0, DETAIL_CHARS)
        const retryAfter = response.headers['retry-after']
        record.retryAfter = typeof retryAfter === 'string' ? retryAfter : null
      }
    } catch (error) {
      record.error = this.cancel.signal.aborted ? UNANSWERED_AT_STOP : errorCode(error)
    } finally {
      const now = performance.now()
      record.latencyMs = now - intendedAt
      this.log.push(record)
      if (!succeeded(record)) this.lastFailureEndedAt = now
      this.pending.delete(intendedAt)
      this.inFlight--
      this.wake?.()
      if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve()
    }
  }

  /** Waits `ms`, or less when a request ends or a stop comes. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.wake = done
    })
  }
}
