// The backends behind one proxy and what the proxy has learned about them: in-flight requests, failures,
// ejections and warm-up. Selection itself is delegated to selectBackend; the clock is injected.

import type { BackendStats } from './backend-stats'
import { BalancerSettings, type BalancerSettingsInput } from './balancer-settings'
import { buildHashRing, type HashRing } from './hash-ring'
import { ejectionDurationMs, mayEject } from './outlier-detection'
import { type Candidate, createRotationState, selectBackend } from './select-backend'
import { effectiveWeight, isWarmingUp } from './slow-start'

export interface BackendSpec {
  readonly id: string
  /** Relative share of traffic; 0 drains the backend (no new requests, in-flight ones finish). */
  readonly weight: number
}

/**
 * How a request sent to a backend ended. 'error' is a 5xx or a timeout; 'abandoned' is a client that left
 * before the answer, which says nothing about the backend either way.
 */
export type RequestOutcome = 'ok' | 'error' | 'connect-failed' | 'abandoned'

export interface BackendPoolOptions {
  /** Milliseconds; Date.now when omitted. */
  readonly now?: () => number
  /** Uniform in [0, 1); Math.random when omitted. */
  readonly random?: () => number
  readonly settings?: BalancerSettingsInput
}

export interface PickOptions {
  /** Backends already tried for this request, so that a retry goes to another one. */
  readonly exclude?: ReadonlySet<string>
  /** Whether a backend has room for one more request (the proxy's in-flight limit); all have when omitted. */
  readonly hasRoom?: (weight: number, inFlight: number) => boolean
}

interface BackendRecord {
  readonly id: string
  weight: number
  inFlight: number
  requests: number
  failures: number
  consecutiveFailures: number
  ejections: number
  /** Ejections in a row, which set the next ejection's length; forgiven after a quiet period. */
  ejectionStreak: number
  ejectedUntil: number | undefined
  /** When the backend joined or last came back from ejection: the start of its slow start. */
  inServiceSince: number
  /** Why active health checks declared it unhealthy; undefined while healthy. */
  unhealthyReason: string | undefined
  /** When it last answered a request; undefined before its first answer. */
  answeredAt: number | undefined
}

export class BackendPool {
  private currentSettings: BalancerSettings
  private readonly now: () => number
  private readonly random: () => number
  private readonly backends = new Map<string, BackendRecord>()
  private readonly rotation = createRotationState()
  /** Built over all members on first consistent-hash pick, dropped when membership changes. */
  private ring: HashRing | undefined
  private readonly downListeners = new Set<(id: string, reason: string) => void>()

  constructor(options: BackendPoolOptions = {}) {
    this.now = options.now ?? Date.now
    this.random = options.random ?? Math.random
    this.currentSettings = BalancerSettings.parse(options.settings ?? {})
  }

  get settings(): BalancerSettings {
    return this.currentSettings
  }

  /** Replaces the settings (e.g. after a policy edit); what the pool has learned is kept. */
  applySettings(settings: BalancerSettingsInput): void {
    const next = BalancerSettings.parse(settings)
    if (next.hashRingVirtualNodes !== this.currentSettings.hashRingVirtualNodes) this.ring = undefined
    this.currentSettings = next
  }

  /**
   * Called when a backend is declared dead, or leaves while requests are still in flight on it, so that
   * the proxy can send those that are safe to repeat elsewhere instead of waiting on it.
   */
  onBackendDown(listener: (id: string, reason: string) => void): () => void {
    this.downListeners.add(listener)
    return () => this.downListeners.delete(listener)
  }

  get size(): number {
    return this.backends.size
  }

  has(id: string): boolean {
    return this.backends.has(id)
  }

  /** Adds a backend (which then warms up) or changes an existing backend's weight. */
  setBackend(spec: BackendSpec): void {
    if (!Number.isFinite(spec.weight) || spec.weight < 0) {
      throw new RangeError(`Backend ${spec.id}: weight must be a finite number ≥ 0, got ${spec.weight}`)
    }
    const existing = this.backends.get(spec.id)
    if (existing) {
      existing.weight = spec.weight
      return
    }
    this.backends.set(spec.id, {
      id: spec.id,
      weight: spec.weight,
      inFlight: 0,
      requests: 0,
      failures: 0,
      consecutiveFailures: 0,
      ejections: 0,
      ejectionStreak: 0,
      ejectedUntil: undefined,
      inServiceSince: this.now(),
      unhealthyReason: undefined,
      answeredAt: undefined,
    })
    this.ring = undefined
  }

  /** Makes the pool hold exactly these backends, e.g. the ready containers of the latest report. */
  syncBackends(specs: readonly BackendSpec[]): void {
    const wanted = new Set(specs.map((s) => s.id))
    for (const id of [...this.backends.keys()]) if (!wanted.has(id)) this.removeBackend(id)
    for (const spec of specs) this.setBackend(spec)
  }

  /** Removes a backend; releases still arriving for it are ignored. */
  removeBackend(id: string): boolean {
    const backend = this.backends.get(id)
    if (!backend) return false
    this.backends.delete(id)
    this.rotation.currentWeights.delete(id)
    this.ring = undefined
    this.keepOneInService(this.now())
    if (backend.inFlight > 0) for (const listener of this.downListeners) listener(id, 'it left the rotation')
    return true
  }

  /**
   * Chooses a backend for a request and counts it in flight; undefined when none can take it (the proxy
   * answers 503). `key` is for consistent-hash (e.g. the client IP). Pair every pick with a release.
   */
  pick(key?: string, options: PickOptions = {}): string | undefined {
    const now = this.now()
    this.returnEjectedBackends(now)
    const candidates: Candidate[] = []
    for (const backend of this.backends.values()) {
      if (!inService(backend) || options.exclude?.has(backend.id)) continue
      if (options.hasRoom && !options.hasRoom(backend.weight, backend.inFlight)) continue
      candidates.push({
        id: backend.id,
        weight: backend.weight,
        effectiveWeight: this.effectiveWeightOf(backend, now),
        inFlight: backend.inFlight,
      })
    }
    const { algorithm } = this.currentSettings
    const id = selectBackend(algorithm, candidates, {
      random: this.random,
      key,
      rotation: this.rotation,
      ring: algorithm === 'consistent-hash' ? this.hashRing() : undefined,
    })
    const chosen = id === undefined ? undefined : this.backends.get(id)
    if (!chosen) return undefined
    chosen.inFlight += 1
    chosen.requests += 1
    return chosen.id
  }

  /** Whether a backend outside `exclude` could take a request once it has room: in service, weight above 0. */
  canServe(exclude?: ReadonlySet<string>): boolean {
    this.returnEjectedBackends(this.now())
    for (const backend of this.backends.values())
      if (inService(backend) && backend.weight > 0 && !exclude?.has(backend.id)) return true
    return false
  }

  /** Records how a picked request ended; enough failures in a row eject the backend. */
  release(id: string, outcome: RequestOutcome): void {
    const backend = this.backends.get(id)
    if (!backend) return
    backend.inFlight = Math.max(0, backend.inFlight - 1)
    if (outcome === 'abandoned') return
    if (outcome === 'ok') {
      backend.consecutiveFailures = 0
      backend.answeredAt = this.now()
      return
    }
    backend.failures += 1
    backend.consecutiveFailures += 1
    if (backend.consecutiveFailures >= this.currentSettings.consecutiveFailures) this.ejectBackend(id)
  }

  /** Whether the backend answered a request at or after `since`: busy then, not hung. */
  answeredSince(id: string, since: number): boolean {
    const answeredAt = this.backends.get(id)?.answeredAt
    return answeredAt !== undefined && answeredAt >= since
  }

  /**
   * Records what active health checks found. An unhealthy backend gets no new requests until it is
   * declared healthy again, whatever maxEjectionPercent says (a backend that does not answer its health
   * check cannot serve), and then warms up as after an ejection. The down listeners hear of each fall.
   */
  setHealth(id: string, healthy: boolean, reason?: string): void {
    const backend = this.backends.get(id)
    if (!backend) return
    if (!healthy) {
      const text = reason ?? 'failed its health check'
      const fell = backend.unhealthyReason === undefined
      backend.unhealthyReason = text
      if (!fell) return
      this.keepOneInService(this.now())
      for (const listener of this.downListeners) listener(id, text)
      return
    }
    if (backend.unhealthyReason === undefined) return
    backend.unhealthyReason = undefined
    // Back from a failed health check: a fresh slow start, and no ejection carried over from before.
    this.returnToService(backend, this.now())
  }

  /**
   * Takes a backend out of service for a while, unless it is already out or the max-ejection guard
   * forbids it. Also for active health checks. Returns whether it was ejected.
   */
  ejectBackend(id: string): boolean {
    const now = this.now()
    this.returnEjectedBackends(now)
    const backend = this.backends.get(id)
    if (!backend || backend.ejectedUntil !== undefined || backend.unhealthyReason !== undefined) return false
    // The guard counts only healthy backends: the ones active checks took out cannot take the load.
    if (!mayEject(this.ejectedCount(), this.healthyCount(), this.currentSettings)) return false
    // A backend that has served well for as long as the longest ejection starts its backoff afresh.
    if (now - backend.inServiceSince >= this.currentSettings.maxEjectionMs) backend.ejectionStreak = 0
    backend.ejectionStreak += 1
    backend.ejections += 1
    backend.ejectedUntil = now + ejectionDurationMs(backend.ejectionStreak, this.currentSettings)
    return true
  }

  /** Per-backend stats for the UI, in the order backends were added. */
  snapshot(): BackendStats[] {
    const now = this.now()
    this.returnEjectedBackends(now)
    return [...this.backends.values()].map((backend) => {
      const ejected = backend.ejectedUntil !== undefined
      const unhealthy = backend.unhealthyReason !== undefined
      const warming = isWarmingUp(now - backend.inServiceSince, this.currentSettings)
      return {
        id: backend.id,
        state: unhealthy ? 'unhealthy' : ejected ? 'ejected' : warming ? 'warming' : 'ready',
        weight: backend.weight,
        effectiveWeight: ejected || unhealthy ? 0 : this.effectiveWeightOf(backend, now),
        inFlight: backend.inFlight,
        requests: backend.requests,
        failures: backend.failures,
        consecutiveFailures: backend.consecutiveFailures,
        ejections: backend.ejections,
        ejectedUntil: backend.ejectedUntil ?? null,
        unhealthyReason: backend.unhealthyReason ?? null,
      }
    })
  }

  private effectiveWeightOf(backend: BackendRecord, now: number): number {
    return effectiveWeight(backend.weight, now - backend.inServiceSince, this.currentSettings)
  }

  private ejectedCount(): number {
    let count = 0
    for (const backend of this.backends.values())
      if (backend.ejectedUntil !== undefined && backend.unhealthyReason === undefined) count += 1
    return count
  }

  private healthyCount(): number {
    let count = 0
    for (const backend of this.backends.values()) if (backend.unhealthyReason === undefined) count += 1
    return count
  }

  /** Ejections end lazily, when the pool is next consulted; the ramp starts when the ejection ended. */
  private returnEjectedBackends(now: number): void {
    for (const backend of this.backends.values()) {
      if (backend.ejectedUntil === undefined || now < backend.ejectedUntil) continue
      this.returnToService(backend, backend.ejectedUntil)
    }
  }

  private returnToService(backend: BackendRecord, at: number): void {
    backend.inServiceSince = at
    backend.ejectedUntil = undefined
    backend.consecutiveFailures = 0
    // Credit earned before the ejection would send it a burst on return; it starts level instead.
    this.rotation.currentWeights.delete(backend.id)
  }

  /** The guard in mayEject keeps one backend in service; removals can break that, so restore it here. */
  private keepOneInService(now: number): void {
    let soonest: BackendRecord | undefined
    for (const backend of this.backends.values()) {
      if (backend.unhealthyReason !== undefined) continue
      if (backend.ejectedUntil === undefined) return
      if (!soonest || backend.ejectedUntil < soonest.ejectedUntil!) soonest = backend
    }
    if (soonest) this.returnToService(soonest, now)
  }

  private hashRing(): HashRing {
    this.ring ??= buildHashRing(this.backends.keys(), this.currentSettings.hashRingVirtualNodes)
    return this.ring
  }
}

/** Whether a backend may get new requests: neither ejected nor declared unhealthy. */
function inService(backend: BackendRecord): boolean {
  return backend.ejectedUntil === undefined && backend.unhealthyReason === undefined
}
