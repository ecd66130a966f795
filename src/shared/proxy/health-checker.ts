// Active health checks for one balancer: probes every backend's health path on an interval, one probe
// at a time per backend, over a fresh connection each time (a pooled socket could hide a hung process),
// and reports each flip between healthy and unhealthy with the reason. Node-only.
import { request } from 'node:http'
import type { HealthSettings } from '../balancer/health-settings'
import { type HealthRecord, INITIAL_HEALTH, nextHealth, type ProbeResult } from '../balancer/health-verdict'
import { durationText } from '../duration-text'

export interface HealthTarget {
  readonly id: string
  readonly host: string
  readonly port: number
  /** This backend's own health path (a Swarm task's /healthz among agents), instead of the checker's. */
  readonly path?: string | undefined
}

/** One probe; resolves with the verdict, never rejects. */
export type HealthProbe = (target: HealthTarget, path: string, timeoutMs: number) => Promise<ProbeResult>

export interface HealthCheckerOptions {
  /** e.g. /healthz for a container, /_agent/healthz for a VM's agent. */
  readonly path: string
  readonly settings: HealthSettings
  /** The backends to probe now; asked on every round, so that membership changes need no call. */
  targets(): Iterable<HealthTarget>
  /** A backend flipped; `reason` says why it is unhealthy (undefined when it is healthy again). */
  onChange(id: string, healthy: boolean, reason: string | undefined): void
  /**
   * Whether the backend answered a proxied request at or after `since` (the pool knows). A probe that timed
   * out while the backend was answering others found it busy, not hung: it counts neither way, so that the
   * last replica under load is not taken out for being slow.
   */
  answeredSince?(id: string, since: number): boolean
  /** The clock `answeredSince` is asked in; Date.now when omitted. */
  now?(): number
  /** Replaces the HTTP probe (tests). */
  probe?: HealthProbe
}

interface Watched {
  record: HealthRecord
  probing: boolean
}

export class HealthChecker {
  private settings: HealthSettings
  private readonly watched = new Map<string, Watched>()
  private timer: NodeJS.Timeout | undefined
  private running = false
  private readonly probe: HealthProbe

  constructor(private readonly options: HealthCheckerOptions) {
    this.settings = options.settings
    this.probe = options.probe ?? probeHealth
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.schedule()
  }

  stop(): void {
    this.running = false
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** New settings apply from the next round; turning checks off forgets every verdict. */
  applySettings(settings: HealthSettings): void {
    const intervalChanged = settings.intervalMs !== this.settings.intervalMs
    const switchedOff = this.settings.enabled && !settings.enabled
    this.settings = settings
    if (switchedOff) {
      for (const [id, watched] of this.watched)
        if (!watched.record.healthy) this.options.onChange(id, true, undefined)
      this.watched.clear()
    }
    if (this.running && intervalChanged) this.schedule()
  }

  /** Stops watching a backend that left (silently); returns what the checks last said of it. */
  forget(id: string): HealthRecord | undefined {
    const record = this.watched.get(id)?.record
    this.watched.delete(id)
    return record
  }

  /** What the checks say of a backend now; undefined when it is not (or no longer) watched. */
  health(id: string): HealthRecord | undefined {
    return this.watched.get(id)?.record
  }

  private schedule(): void {
    clearInterval(this.timer)
    this.timer = setInterval(() => this.round(), this.settings.intervalMs)
    this.timer.unref()
  }

  /** One round: forget backends that left, then probe every backend not already being probed. */
  private round(): void {
    if (!this.running || !this.settings.enabled) return
    const seen = new Set<string>()
    for (const target of this.options.targets()) {
      seen.add(target.id)
      // A backend that moved keeps its verdict until probes at its new address change it.
      let watched = this.watched.get(target.id)
      if (!watched) {
        watched = { record: INITIAL_HEALTH, probing: false }
        this.watched.set(target.id, watched)
      }
      if (!watched.probing) void this.check(target, watched)
    }
    for (const id of [...this.watched.keys()]) if (!seen.has(id)) this.watched.delete(id)
  }

  private async check(target: HealthTarget, watched: Watched): Promise<void> {
    watched.probing = true
    const sentAt = this.options.now?.() ?? Date.now()
    const result = await this.probe(target, target.path ?? this.options.path, this.settings.timeoutMs)
    watched.probing = false
    // The backend may have left or checks been switched off while the probe ran.
    if (!this.running || !this.settings.enabled || this.watched.get(target.id) !== watched) return
    if (!result.ok && result.timedOut && this.options.answeredSince?.(target.id, sentAt)) return
    const before = watched.record
    watched.record = nextHealth(before, result, this.settings)
    if (watched.record.healthy !== before.healthy)
      this.options.onChange(target.id, watched.record.healthy, watched.record.reason)
  }
}

/** GET `path` over a new connection; 2xx within `timeoutMs` (connect and response head) passes. */
export function probeHealth(target: HealthTarget, path: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false
    const settle = (result: ProbeResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(result)
    }
    const req = request(
      {
        host: target.host,
        port: target.port,
        path,
        method: 'GET',
        agent: false,
        headers: { connection: 'close', 'user-agent': 'auto-cloud-scaler-health-check' },
      },
      (res) => {
        const status = res.statusCode ?? 0
        res.resume()
        settle(
          status >= 200 && status < 300
            ? { ok: true }
            : { ok: false, reason: `GET ${path} answered ${status}` },
        )
        req.destroy()
      },
    )
    const timer = setTimeout(() => {
      settle({ ok: false, reason: `GET ${path} timed out after ${durationText(timeoutMs)}`, timedOut: true })
      req.destroy()
    }, timeoutMs)
    req.on('error', (error: NodeJS.ErrnoException) =>
      settle({ ok: false, reason: `GET ${path}: ${failure(error)}` }),
    )
    req.end()
  })
}

const ERROR_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed',
  ENOTFOUND: 'host name not found',
}

function failure(error: NodeJS.ErrnoException): string {
  return (error.code && ERROR_TEXT[error.code]) ?? error.message
}
