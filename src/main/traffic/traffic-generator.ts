// The traffic engine: an open loop that sends on a precomputed schedule and measures latency from each
// request's intended send time (so a slow server cannot hide its queue), or a closed loop of users.
import { setMaxListeners } from 'node:events'
import { Pool } from 'undici'
import { TrafficPlan, type TrafficPlanInput, type TrafficSnapshot } from '../../shared/domain/traffic'
import { describeIssues } from '../../shared/issues'
import { rateAt, sendTimes } from './schedule'
import { type Lookup, resolveTarget } from './target'
import { type CompiledPlan, compilePlan } from './traffic-plan'
import { errorKind, type MeasuredPart, TrafficStats } from './traffic-stats'

/** A plan that cannot run as given (bad value, malformed trace, target refused); nothing was sent. */
export class TrafficPlanError extends Error {
  override readonly name = 'TrafficPlanError'
}

export interface TrafficOptions {
  plan: TrafficPlanInput
  /** Origins loaded besides loopback, e.g. the VIM's front proxy URL. */
  allowedTargets?: readonly string[]
  /** Once per `snapshotIntervalMs` while running, and once more with the summary. */
  onSnapshot?: (snapshot: TrafficSnapshot) => void
  snapshotIntervalMs?: number
  /** How long `stop()` lets in-flight requests finish before aborting them. */
  stopGraceMs?: number
  lookup?: Lookup
}

/** A closed-loop user whose request failed without a response waits this long, not to spin on a dead port. */
const ERROR_BACKOFF_MS = 100
const USER_AGENT = 'auto-cloud-scaler-traffic'

/** Validates the plan and the target, then starts sending. Rejects with TrafficPlanError before any request. */
export async function startTraffic(options: TrafficOptions): Promise<TrafficRun> {
  const parsed = TrafficPlan.safeParse(options.plan)
  if (!parsed.success) throw new TrafficPlanError(describeIssues(parsed.error.issues))
  const target = await resolveTarget(parsed.data.url, options.allowedTargets, options.lookup)
  if (!target.ok) throw new TrafficPlanError(target.message)
  const compiled = compilePlan(parsed.data)
  if (!compiled.ok) throw new TrafficPlanError(compiled.message)
  return new TrafficRun(parsed.data, compiled.plan, options)
}

export class TrafficRun {
  /** Resolves with the summary when the run ends, whatever ended it. */
  readonly done: Promise<TrafficSnapshot>
  private readonly pool: Pool
  /** Aborts the requests still in flight when a stop's grace runs out. */
  private readonly cancel = new AbortController()
  private readonly startedAt = performance.now()
  private readonly deadline: number
  private readonly stats: TrafficStats
  private readonly sleepers = new Set<() => void>()
  private readonly idle: (() => void)[] = []
  private inFlight = 0
  private waitingForSlot = false
  private stopRequested = false
  private sendingEndedAt: number | undefined
  private finishedAt: number | undefined
  private endReason: TrafficSnapshot['endReason'] = null

  constructor(
    private readonly plan: TrafficPlan,
    private readonly compiled: CompiledPlan,
    private readonly options: TrafficOptions,
  ) {
    this.deadline = this.startedAt + compiled.durationSeconds * 1000
    this.stats = new TrafficStats(this.startedAt)
    const connections = plan.mode === 'open' ? plan.maxInFlight : plan.concurrency
    // One connection per outstanding request: undici never queues behind our back, so every wait
    // happens here, where it is measured.
    this.pool = new Pool(compiled.origin, {
      connections,
      pipelining: 1,
      connect: { timeout: Math.min(10_000, plan.timeoutSeconds * 1000) },
    })
    setMaxListeners(connections + 16, this.cancel.signal)
    this.done = this.run()
  }

  /** The numbers so far, without closing the current interval. */
  snapshot(): TrafficSnapshot {
    return this.compose(this.measure(false))
  }

  /**
   * Sends nothing more at once; in-flight requests get `stopGraceMs` (default 1 s) to finish, then are
   * aborted. Resolves with the summary.
   */
  stop(): Promise<TrafficSnapshot> {
    if (!this.stopRequested && this.finishedAt === undefined) {
      this.stopRequested = true
      this.endReason ??= 'stopped'
      this.wakeAll()
      const abort = setTimeout(() => {
        this.cancel.abort()
        // Destroying the pool settles whatever the abort did not reach, so that a stop is always bounded.
        this.pool.destroy().catch(() => {})
      }, this.options.stopGraceMs ?? 1000)
      void this.done.finally(() => clearTimeout(abort))
    }
    return this.done
  }

  private async run(): Promise<TrafficSnapshot> {
    const interval = setInterval(
      () => this.emit(this.compose(this.measure(true))),
      this.options.snapshotIntervalMs ?? 1000,
    )
    try {
      if (this.plan.mode === 'open') await this.openLoop()
      else await Promise.all(Array.from({ length: this.plan.concurrency }, () => this.user()))
      this.sendingEndedAt ??= performance.now()
      this.endReason ??= 'duration'
      // In-flight requests end by themselves (each has its timeout) or by a stop's abort.
      if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.push(resolve))
    } finally {
      clearInterval(interval)
      this.finishedAt = performance.now()
      await this.pool.destroy().catch(() => {})
    }
    const summary = this.compose(this.measure(true))
    this.emit(summary)
    return summary
  }

  private async openLoop(): Promise<void> {
    const times = sendTimes(this.compiled.segments)
    let next = times.next()
    while (!next.done && !this.stopRequested) {
      if (this.stats.sent >= this.plan.maxRequests) {
        this.endReason = 'max-requests'
        break
      }
      const intendedAt = this.startedAt + next.value
      const now = performance.now()
      if (intendedAt > now) {
        await this.pause(intendedAt - now)
      } else if (this.inFlight < this.plan.maxInFlight) {
        void this.send(intendedAt)
        next = times.next()
      } else if (now < this.deadline) {
        // Late requests keep their intended time, so the wait for a slot shows in their latency.
        this.waitingForSlot = true
        await this.pause(this.deadline - now)
        this.waitingForSlot = false
      } else {
        break // past the end, nothing more is worth waiting for
      }
    }
    if (this.endReason !== 'max-requests') {
      // Requests that were due but never left: the server held `maxInFlight` of them.
      const dueBy = (this.stopRequested ? performance.now() : this.deadline) - this.startedAt
      let unsent = 0
      while (!next.done && next.value <= dueBy && this.stats.sent + unsent < this.plan.maxRequests) {
        unsent++
        next = times.next()
      }
      this.stats.recordUnsent(unsent)
      // The run lasts its duration even when the schedule ends early (a ramp down to 0, a short trace).
      while (!this.stopRequested && performance.now() < this.deadline) {
        await this.pause(this.deadline - performance.now())
      }
    }
    this.sendingEndedAt = performance.now()
  }

  private async user(): Promise<void> {
    while (!this.stopRequested && performance.now() < this.deadline) {
      if (this.stats.sent >= this.plan.maxRequests) {
        this.endReason = 'max-requests'
        return
      }
      const answered = await this.send(performance.now())
      if (!answered && !this.stopRequested) await this.pause(ERROR_BACKOFF_MS)
    }
  }

  /** One request; true when it got a response (any status). */
  private async send(intendedAt: number): Promise<boolean> {
    this.inFlight++
    this.stats.recordSent(performance.now() - intendedAt)
    const timeout = this.plan.timeoutSeconds * 1000
    try {
      const response = await this.pool.request({
        path: this.compiled.path,
        method: 'GET',
        headers: { 'user-agent': USER_AGENT },
        signal: this.cancel.signal,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      })
      // Read to the end, so that the connection is reused and the latency includes the whole answer.
      for await (const _chunk of response.body) {
      }
      this.stats.recordResponse(response.statusCode, performance.now() - intendedAt)
      return true
    } catch (error) {
      if (this.cancel.signal.aborted) this.stats.recordAborted()
      else this.stats.recordError(errorKind(error))
      return false
    } finally {
      this.inFlight--
      if (this.waitingForSlot) this.wakeAll()
      if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve()
    }
  }

  /** Waits `ms`, or less when woken (a slot freed, a stop). */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer)
        this.sleepers.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, Math.max(0, ms))
      this.sleepers.add(wake)
    })
  }

  private wakeAll(): void {
    for (const wake of [...this.sleepers]) wake()
  }

  private measure(closeInterval: boolean): MeasuredPart {
    const sendingMs = Math.min(
      (this.sendingEndedAt ?? performance.now()) - this.startedAt,
      this.compiled.durationSeconds * 1000,
    )
    return this.stats.read(closeInterval, sendingMs / 1000)
  }

  private compose(measured: MeasuredPart): TrafficSnapshot {
    const now = this.finishedAt ?? performance.now()
    const sending = this.sendingEndedAt === undefined && !this.stopRequested
    const open = this.plan.mode === 'open'
    const intendedRate = sending ? rateAt(this.compiled.segments, now - this.startedAt) : 0
    return {
      state: this.finishedAt !== undefined ? 'finished' : sending ? 'running' : 'stopping',
      mode: this.plan.mode,
      pattern: this.compiled.pattern,
      target: `${this.compiled.origin}${this.compiled.path}`,
      elapsedSeconds: Math.round(now - this.startedAt) / 1000,
      durationSeconds: this.compiled.durationSeconds,
      intendedRate: open ? Math.round(intendedRate * 100) / 100 : null,
      users: open ? null : this.plan.concurrency,
      inFlight: this.inFlight,
      ...measured,
      endReason: this.finishedAt !== undefined ? this.endReason : null,
    }
  }

  private emit(snapshot: TrafficSnapshot): void {
    try {
      this.options.onSnapshot?.(snapshot)
    } catch {
      // A listener's bug must not end the run; it sees the next snapshot anyway.
    }
  }
}
