// The VMM agent: owns this VM's replicas (start, health, drain, replace), measures them, balances load
// across them, scales them with the shared policy, and follows the VIM's target while connected.
import { randomUUID } from 'node:crypto'
import { BackendPool, type BackendStats } from '../src/shared/balancer'
import {
  type Decision,
  decideReplicas,
  type PolicyState,
  recommendationOnly,
  type ScalingPolicy,
} from '../src/shared/policy'
import { UtilizationWindow } from '../src/shared/policy/utilization-window'
import type { AgentEventKind } from '../src/shared/protocol/messages'
import { HealthChecker, type HealthProbe } from '../src/shared/proxy/health-checker'
import { RequestMeter } from '../src/shared/proxy/request-meter'
import { type AgentConfig, DEFAULT_DRAIN_TIMEOUT_MS } from './config'
import { evaluationDue, windowGraceMs } from './loop-timing'
import {
  dueForReplacement,
  recoveredMessage,
  replacementReason,
  type Unhealthy,
  unhealthyMessage,
} from './replica-health'
import { planReplicas, type ReplicaState } from './replica-plan'
import { waitForHealthy } from './runtime/health'
import type { ContainerRuntime, ReplicaExit, ReplicaHandle } from './runtime/runtime'

export interface ReplicaStats {
  cpuPercent?: number
  memoryBytes?: number
}

/** Measures replicas once per call (CPU as % of each one's own limit since the previous call). */
export interface ReplicaStatsSource {
  sample(replicas: readonly ReplicaHandle[]): Promise<Map<string, ReplicaStats>>
  close?(): void
}

export interface Replica {
  handle: ReplicaHandle
  state: ReplicaState
  readyAt?: number
  stats: ReplicaStats
  /** Recent CPU samples, for the policy's averaging window. */
  cpuWindow: UtilizationWindow
  unhealthy?: Unhealthy
}

export interface AgentEvent {
  kind: AgentEventKind
  message: string
  at: number
  containerId?: string
}

export interface AgentDeps {
  config: AgentConfig
  runtime: ContainerRuntime
  stats: ReplicaStatsSource
  policy: ScalingPolicy
  now?: () => number
  /** How long a new replica may take to answer /healthz. */
  healthTimeoutMs?: number
  /** How long a draining replica may finish its in-flight requests. */
  drainTimeoutMs?: number
  /** Replaces the HTTP health probe of ready replicas (tests). */
  probe?: HealthProbe
}

const START_FAILURE_PAUSE_MS = 10_000

export class Agent {
  readonly id = randomUUID()
  readonly pool: BackendPool
  readonly meter: RequestMeter
  /** Probes the ready replicas' /healthz; only ready replicas are watched (starting ones have their own wait). */
  readonly health: HealthChecker
  readonly replicas = new Map<string, Replica>()
  private readonly listeners = new Set<(event: AgentEvent) => void>()
  private readonly now: () => number
  private policy: ScalingPolicy
  private policyState: PolicyState | undefined
  private lastDecision: Decision | undefined
  private lastEvaluationAt = Number.NEGATIVE_INFINITY
  private pendingStarts = 0
  /** Runtime starts under way, so that stop() can remove what they create. */
  private readonly creating = new Set<Promise<ReplicaHandle>>()
  private startFailures = 0
  private startsPausedUntil = 0
  private vimTarget: number | undefined
  private timer: NodeJS.Timeout | undefined
  private unsubscribeExit: (() => void) | undefined
  private ticking = false
  private stopped = false
  private startup: Promise<void> | undefined
  private inFlightSource: ((id: string, weight: number) => number) | undefined
  target: number

  constructor(private readonly deps: AgentDeps) {
    this.now = deps.now ?? Date.now
    this.policy = deps.policy
    this.pool = new BackendPool({ now: this.now, settings: deps.config.balancer })
    this.meter = new RequestMeter(this.now)
    this.target = Math.max(deps.config.minReplicas, 0)
    this.health = new HealthChecker({
      path: '/healthz',
      settings: deps.config.balancer.health,
      targets: () => this.readyHandles(),
      onChange: (id, healthy, reason) => this.healthChanged(id, healthy, reason),
      answeredSince: (id, since) => this.pool.answeredSince(id, since),
      now: this.now,
      ...(deps.probe ? { probe: deps.probe } : {}),
    })
  }

  get config(): AgentConfig {
    return this.deps.config
  }

  get mode(): 'standalone' | 'following' {
    return this.vimTarget === undefined ? 'standalone' : 'following'
  }

  get recommendation(): Decision | undefined {
    return this.lastDecision
  }

  onEvent(listener: (event: AgentEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Prepares the runtime (throws a clear Error when it cannot), adopts existing replicas, starts the loop. */
  start(): Promise<void> {
    this.startup = this.startUp()
    return this.startup
  }

  private async startUp(): Promise<void> {
    await this.deps.runtime.prepare()
    this.unsubscribeExit = this.deps.runtime.onExit((exit) => this.replicaExited(exit))
    const existing = await this.deps.runtime.list()
    for (const handle of existing) {
      if (!handle.running) {
        await this.deps.runtime.remove(handle.id).catch(() => {})
        continue
      }
      this.replicas.set(handle.id, {
        handle,
        state: 'starting',
        stats: {},
        cpuWindow: this.newCpuWindow(),
      })
      // Adopted even when stopping (a stop during a long image build), so that stop() removes them if asked.
      if (!this.stopped) void this.awaitReady(handle.id)
    }
    if (this.stopped) return
    if (existing.some((h) => h.running)) {
      this.emit('container-started', `adopted ${this.replicas.size} running container(s) from a previous run`)
    }
    // Adopted replicas are kept: a restart must not scale the VM down before it has measured anything.
    this.target = Math.min(this.config.capacity, Math.max(this.target, this.replicas.size))
    this.reconcile()
    this.timer = setInterval(() => void this.tick(), this.loopMs)
    this.health.start()
  }

  /** Ready replicas that the health checks find healthy: what the VM can serve with right now. */
  servingReplicas(): number {
    let count = 0
    for (const replica of this.replicas.values())
      if (replica.state === 'ready' && !replica.unhealthy) count += 1
    return count
  }

  private *readyHandles() {
    for (const replica of this.replicas.values()) if (replica.state === 'ready') yield replica.handle
  }

  private healthChanged(id: string, healthy: boolean, reason: string | undefined): void {
    const replica = this.replicas.get(id)
    if (replica?.state !== 'ready') return
    if (!healthy) {
      const why = reason ?? 'failed its health check'
      replica.unhealthy = { reason: why, since: this.now() }
      this.pool.setHealth(id, false, why)
      const message = unhealthyMessage(replica.handle.name, why, this.config.balancer.health.replaceAfterMs)
      this.emit('warning', message, id)
    } else {
      const message = recoveredMessage(replica.handle.name, replica.unhealthy, this.now())
      delete replica.unhealthy
      this.pool.setHealth(id, true)
      this.emit('container-ready', message, id)
    }
    this.reconcile()
  }

  private get loopMs(): number {
    return this.config.loopIntervalSeconds * 1000
  }

  private newCpuWindow(): UtilizationWindow {
    return new UtilizationWindow(windowGraceMs(this.loopMs))
  }

  /** Following the VIM: its target wins over our own recommendation until the link drops. */
  followVim(target: number | undefined): void {
    this.vimTarget = target === undefined ? undefined : Math.min(target, this.config.capacity)
    if (this.vimTarget !== undefined) this.target = this.vimTarget
    this.reconcile()
  }

  setPolicy(policy: ScalingPolicy): void {
    this.policy = policy
    this.policyState = undefined
  }

  /** One round of the control loop: measure, decide (every policy interval), converge. */
  async tick(): Promise<void> {
    if (this.ticking || this.stopped) return
    this.ticking = true
    try {
      await this.measure()
      if (evaluationDue(this.now(), this.lastEvaluationAt, this.policy.intervalSeconds, this.loopMs))
        this.evaluate()
      this.reconcile()
    } catch (error) {
      this.emit('error', `control loop: ${(error as Error).message}`)
    } finally {
      this.ticking = false
    }
  }

  private async measure(): Promise<void> {
    const handles = [...this.replicas.values()].map((r) => r.handle)
    const stats = await this.deps.stats.sample(handles)
    const now = this.now()
    const windowMs = this.policy.metricWindowSeconds * 1000
    for (const replica of this.replicas.values()) {
      const sample = stats.get(replica.handle.id)
      if (!sample) continue
      replica.stats = { ...replica.stats, ...sample }
      if (sample.cpuPercent !== undefined) replica.cpuWindow.push(now, sample.cpuPercent, windowMs)
    }
  }

  private evaluate(): void {
    const now = this.now()
    this.lastEvaluationAt = now
    const windowMs = this.policy.metricWindowSeconds * 1000
    const samples = [...this.replicas.values()]
      .filter((r) => r.state !== 'draining')
      .map((r) => {
        const utilization = r.cpuWindow.utilization(now, windowMs)
        return {
          id: r.handle.id,
          ready: r.state === 'ready' && !r.unhealthy,
          ...(r.readyAt !== undefined ? { readySinceMs: r.readyAt } : {}),
          ...(utilization !== undefined ? { utilization } : {}),
        }
      })
    const decision = decideReplicas(
      { now, currentReplicas: this.target, samples, policy: this.policy, capacity: this.config.capacity },
      this.policyState,
    )
    const following = this.vimTarget !== undefined
    // While following, the decision is only a recommendation: the VIM's target stays in force.
    this.policyState = following ? recommendationOnly(decision.state, now) : decision.state
    // Said when the count changes (the reason's wording alone may vary every round); the first time, when
    // it differs from the target in force.
    const changed = decision.desired !== (this.lastDecision?.desired ?? this.target)
    this.lastDecision = decision
    if (!following && decision.desired !== this.target) {
      this.target = decision.desired
      this.emit('scaling-decision', decision.reason.message)
    } else if (changed && following) {
      this.emit('scaling-decision', `recommending ${decision.desired} to the VIM: ${decision.reason.message}`)
    }
  }

  /** Starts or drains replicas toward the target; safe to call any time. */
  reconcile(): void {
    if (this.stopped) return
    const backends = this.backendStats()
    const now = this.now()
    const graceMs = this.config.balancer.health.replaceAfterMs
    const views = [...this.replicas.values()].map((r) => ({
      id: r.handle.id,
      state: r.state,
      inFlight: backends.get(r.handle.id)?.inFlight ?? 0,
      startedAt: r.handle.startedAt,
      healthy: r.unhealthy === undefined,
      replace: dueForReplacement(r.unhealthy, now, graceMs),
    }))
    const plan = planReplicas(views, this.pendingStarts, this.target, this.config.capacity)
    for (const id of plan.drain) {
      const sick = this.replicas.get(id)?.unhealthy
      void this.drain(id, sick ? replacementReason(sick, now) : undefined)
    }
    if (plan.start > 0 && this.now() >= this.startsPausedUntil) {
      for (let i = 0; i < plan.start; i++) void this.startReplica()
    }
  }

  private async startReplica(): Promise<void> {
    if (this.stopped) return
    this.pendingStarts++
    let handle: ReplicaHandle
    const { requestCpuMs, cpuPeriodMs } = this.config
    const creation = this.deps.runtime
      .start({
        vmName: this.config.name,
        cpus: this.config.cpusPerContainer,
        ...(cpuPeriodMs !== undefined ? { cpuPeriodMs } : {}),
        memoryBytes: this.config.memoryPerContainerBytes,
        ...(requestCpuMs !== undefined ? { env: { CPU_MS: String(requestCpuMs) } } : {}),
      })
      .then((created) => (this.stopped ? this.discardLateReplica(created) : created))
    this.creating.add(creation)
    try {
      handle = await creation
    } catch (error) {
      if (!this.stopped) this.startFailed(`could not start a container: ${(error as Error).message}`)
      return
    } finally {
      this.pendingStarts--
      this.creating.delete(creation)
    }
    this.replicas.set(handle.id, { handle, state: 'starting', stats: {}, cpuWindow: this.newCpuWindow() })
    this.emit(
      'container-started',
      `started ${handle.name} (${handle.cpus} CPU, ${mib(handle.memoryBytes)} MiB)`,
      handle.id,
    )
    await this.awaitReady(handle.id)
  }

  /** A replica whose start finished after shutdown began: nobody would serve from it or remove it later. */
  private async discardLateReplica(handle: ReplicaHandle): Promise<never> {
    await this.deps.runtime.remove(handle.id).catch(() => {})
    this.emit('container-removed', `removed ${handle.name} (started as the agent began to stop)`, handle.id)
    throw new Error('the agent is stopping')
  }

  private async awaitReady(id: string): Promise<void> {
    const replica = this.replicas.get(id)
    if (!replica) return
    try {
      await waitForHealthy(replica.handle.host, replica.handle.port, this.deps.healthTimeoutMs ?? 30_000)
    } catch (error) {
      if (this.replicas.get(id) !== replica || replica.state !== 'starting') return
      this.replicas.delete(id)
      await this.deps.runtime.remove(id).catch(() => {})
      this.startFailed(`${replica.handle.name} never became healthy: ${(error as Error).message}`)
      return
    }
    if (this.replicas.get(id) !== replica || replica.state !== 'starting') return
    replica.state = 'ready'
    replica.readyAt = this.now()
    this.startFailures = 0
    this.pool.setBackend({ id, weight: 1 })
    this.emit('container-ready', `${replica.handle.name} is healthy and takes traffic`, id)
  }

  /** Repeated failures pause starts briefly, so a broken image does not become a crash loop. */
  private startFailed(message: string): void {
    this.startFailures++
    if (this.startFailures >= 3) {
      this.startsPausedUntil = this.now() + START_FAILURE_PAUSE_MS
      message += `; ${this.startFailures} failures in a row, pausing starts for ${START_FAILURE_PAUSE_MS / 1000} s`
    }
    this.emit('error', message)
  }

  /**
   * Stops sending new requests, waits for in-flight ones (bounded), then removes the replica. An
   * unhealthy replica is not waited for: what it still holds is retried elsewhere by the proxy.
   */
  async drain(id: string, why = 'scaled down'): Promise<void> {
    const replica = this.replicas.get(id)
    if (!replica || replica.state === 'draining') return
    const serving = replica.state === 'ready' && !replica.unhealthy
    replica.state = 'draining'
    if (serving) {
      this.pool.setBackend({ id, weight: 0 })
      const deadline = this.now() + (this.deps.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS)
      while (this.inFlight(id) > 0 && this.now() < deadline && !this.stopped) await delay(100)
    }
    await this.removeReplica(id, why)
  }

  private async removeReplica(id: string, why: string): Promise<void> {
    const replica = this.replicas.get(id)
    this.pool.removeBackend(id)
    this.meter.forget(id)
    try {
      await this.deps.runtime.remove(id)
    } catch (error) {
      this.emit('error', `could not remove ${replica?.handle.name ?? id}: ${(error as Error).message}`, id)
    }
    this.replicas.delete(id)
    this.emit('container-removed', `removed ${replica?.handle.name ?? id} (${why})`, id)
  }

  private replicaExited(exit: ReplicaExit): void {
    const replica = this.replicas.get(exit.id)
    if (!replica || replica.state === 'draining') return
    this.replicas.delete(exit.id)
    this.pool.removeBackend(exit.id)
    this.meter.forget(exit.id)
    this.emit('container-crashed', `${replica.handle.name} exited (${exit.reason}); replacing it`, exit.id)
    void this.deps.runtime.remove(exit.id).catch(() => {})
    this.reconcile()
  }

  inFlight(id: string): number {
    return this.backendStats().get(id)?.inFlight ?? 0
  }

  backendStats(): Map<string, BackendStats> {
    const count = this.inFlightSource
    return new Map(
      this.pool.snapshot().map((s) => [s.id, count ? { ...s, inFlight: count(s.id, s.weight) } : s]),
    )
  }

  /**
   * Where in-flight counts come from when another data plane forwards the requests (HAProxy), so that
   * drains wait for what it holds; undefined: the pool's own counts.
   */
  countInFlightWith(source: ((id: string, weight: number) => number) | undefined): void {
    this.inFlightSource = source
  }

  /**
   * From now on the agent starts nothing: no loop round, no reconcile, no replica; a start already under
   * way removes its replica as soon as it exists. Call it first on shutdown, before anything that waits.
   */
  beginShutdown(): void {
    this.stopped = true
    clearInterval(this.timer)
    this.health.stop()
  }

  /** Stops the loop; removes the replicas only when asked (otherwise a restarted agent adopts them). */
  async stop({ removeReplicas = false }: { removeReplicas?: boolean } = {}): Promise<void> {
    this.beginShutdown()
    // A start under way adopts what it lists, so that what it finds is removed below when asked.
    await this.startup?.catch(() => {})
    this.unsubscribeExit?.()
    // Starts under way remove their replicas themselves once created (see discardLateReplica).
    await Promise.allSettled([...this.creating])
    if (removeReplicas) {
      await Promise.all([...this.replicas.keys()].map((id) => this.removeReplica(id, 'agent exit')))
    }
    this.deps.stats.close?.()
    await this.deps.runtime.close()
  }

  private emit(kind: AgentEventKind, message: string, containerId?: string): void {
    const event: AgentEvent = { kind, message, at: this.now(), ...(containerId ? { containerId } : {}) }
    for (const listener of this.listeners) listener(event)
  }
}

const mib = (bytes: number) => Math.round(bytes / 2 ** 20)
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
