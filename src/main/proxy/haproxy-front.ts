// The VIM's front data plane run by HAProxy (--data-plane haproxy): the same rotation, weights, drain,
// health checks of each VM's /_agent/healthz and metrics as the embedded front proxy, with HAProxy
// forwarding the requests. The pool here only keeps the backends' state for the UI and the autoscaler.
import { join } from 'node:path'
import {
  BackendPool,
  type BalancerAlgorithm,
  DEFAULT_HEALTH_SETTINGS,
  type HealthSettings,
} from '../../shared/balancer'
import type { HaproxyServer } from '../../shared/haproxy/haproxy-config'
import { HaproxyPlane } from '../../shared/haproxy/haproxy-plane'
import { AGENT_HEALTH_PATH } from '../../shared/proxy/agent-paths'
import { TrustedProxies } from '../../shared/proxy/forwarding'
import {
  DEFAULT_PROXY_QUEUE,
  DEFAULT_PROXY_TIMEOUTS,
  type ProxyLimits,
} from '../../shared/proxy/proxy-limits'
import { RequestMeter, type TrafficSummary } from '../../shared/proxy/request-meter'
import type { FrontDataPlane } from './front-plane'
import type { FrontBackend, FrontProxyOptions } from './front-proxy'

export interface HaproxyFrontOptions extends FrontProxyOptions {
  binary: string
  /** The VIM's data directory: HAProxy's files go to its haproxy/ folder. */
  dataDir: string
  log(line: string): void
}

export class HaproxyFrontProxy implements FrontDataPlane {
  private readonly state = new BackendPool()
  readonly meter = new RequestMeter()
  private readonly plane: HaproxyPlane
  private backends: readonly FrontBackend[] = []
  private limits: ProxyLimits
  private health: HealthSettings
  readonly pool: FrontDataPlane['pool']

  constructor(private readonly options: HaproxyFrontOptions) {
    const state = this.state
    this.pool = {
      get settings() {
        return state.settings
      },
      // In flight as HAProxy counts it: the autoscaler waits on it before it stops a drained VM.
      snapshot: () =>
        state.snapshot().map((backend) => ({
          ...backend,
          inFlight: this.plane.inFlight(backend.id, this.weightOf(backend.id)),
        })),
    }
    this.state.applySettings({ algorithm: options.algorithm ?? 'least-outstanding' })
    this.limits = options.limits ?? { timeouts: DEFAULT_PROXY_TIMEOUTS, queue: DEFAULT_PROXY_QUEUE }
    this.health = options.health ?? DEFAULT_HEALTH_SETTINGS
    this.plane = new HaproxyPlane({
      binary: options.binary,
      dir: join(options.dataDir, 'haproxy'),
      role: 'front',
      host: options.host,
      port: options.port,
      healthPath: AGENT_HEALTH_PATH,
      settings: this.planeSettings(),
      noBackendMessage: 'No VM can take this request right now; retry in a moment.',
      wanted: () => this.wanted(),
      trustedPeers: (options.trustedProxies ?? TrustedProxies.none()).entries,
      onTraffic: (traffic) => {
        for (const server of traffic) {
          for (const { status, count } of server.answers) {
            for (let i = 0; i < count; i++) {
              this.meter.record(server.id, server.responseMs, status < 500)
              options.onResponse?.(server.id, status, server.responseMs / 1000)
            }
          }
        }
      },
      onHealth: (id, health) => {
        this.state.setHealth(id, health.healthy, health.reason)
        options.onHealthChange?.(id, health)
      },
      log: options.log,
    })
  }

  syncBackends(backends: readonly FrontBackend[]): void {
    const inRotation = backends.filter((b) => b.readyContainers > 0)
    const ids = new Set(inRotation.map((b) => b.vmId))
    for (const backend of this.state.snapshot()) {
      if (ids.has(backend.id)) continue
      this.state.removeBackend(backend.id)
      this.meter.forget(backend.id)
      if (backend.state === 'unhealthy') this.options.onHealthChange?.(backend.id, null)
    }
    for (const backend of inRotation)
      this.state.setBackend({ id: backend.vmId, weight: this.weightOf(backend.vmId, backend) })
    this.backends = inRotation
  }

  setAlgorithm(algorithm: BalancerAlgorithm): void {
    if (algorithm === this.state.settings.algorithm) return
    this.state.applySettings({ ...this.state.settings, algorithm })
    this.plane.applySettings(this.planeSettings())
  }

  setLimits(limits: ProxyLimits): void {
    const same =
      JSON.stringify(limits.timeouts) === JSON.stringify(this.limits.timeouts) &&
      JSON.stringify(limits.queue) === JSON.stringify(this.limits.queue)
    this.limits = { timeouts: limits.timeouts, queue: limits.queue }
    if (!same) this.plane.applySettings(this.planeSettings())
  }

  setHealthSettings(settings: HealthSettings): void {
    if (JSON.stringify(settings) === JSON.stringify(this.health)) return
    this.health = settings
    this.plane.applySettings(this.planeSettings())
  }

  setTrustedProxies(trusted: TrustedProxies): void {
    this.plane.setTrustedPeers(trusted.entries)
  }

  traffic(vmId?: string): TrafficSummary {
    return this.meter.summary(vmId)
  }

  start(): Promise<number> {
    return this.plane.start()
  }

  /** HAProxy's soft stop: it closes its listener and finishes what it holds, then exits. */
  stopAccepting(graceMs = 10_000): Promise<void> {
    return this.plane.close(graceMs)
  }

  close(): Promise<void> {
    return this.plane.close(2_000)
  }

  private planeSettings() {
    return {
      algorithm: this.state.settings.algorithm,
      health: this.health,
      timeouts: this.limits.timeouts,
      queue: this.limits.queue,
    }
  }

  /** A VM's weight is its ready containers; a draining VM keeps its connections at weight 0. */
  private weightOf(id: string, backend = this.backends.find((b) => b.vmId === id)): number {
    if (!backend) return 0
    return backend.draining ? 0 : backend.readyContainers
  }

  private wanted(): HaproxyServer[] {
    return this.backends.map((b) => ({
      id: b.vmId,
      host: b.address.host,
      port: b.address.port,
      weight: this.weightOf(b.vmId, b),
    }))
  }
}
