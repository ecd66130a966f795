// The VIM's front door for the workload: one port that spreads client requests over the ready VMs'
// agent load balancers, weighted by how many ready containers each runs. The agents' own pages under
// /_agent/ are never reachable through it.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import {
  BackendPool,
  type BalancerAlgorithm,
  DEFAULT_HEALTH_SETTINGS,
  type HealthSettings,
} from '../../shared/balancer'
import { AGENT_HEALTH_PATH, isAgentPath } from '../../shared/proxy/agent-paths'
import { type BackendAddress, createBalancedProxy, sendJsonError } from '../../shared/proxy/balanced-proxy'
import { TrustedProxies } from '../../shared/proxy/forwarding'
import { HealthChecker } from '../../shared/proxy/health-checker'
import {
  type ClientResponse,
  type LeanServing,
  type ProxiedRequest,
  serveLean,
} from '../../shared/proxy/lean-server'
import type { ProxyLimits } from '../../shared/proxy/proxy-limits'
import { RequestMeter, type TrafficSummary } from '../../shared/proxy/request-meter'

/**
 * The X-Served-By of a relayed answer, kept on the response itself until it closes: a WeakMap entry per
 * request would cost the garbage collector more than the lookup saves.
 */
const SERVED_BY = Symbol('servedBy')
type Answer = ClientResponse & { [SERVED_BY]?: string | undefined }

export interface FrontBackend {
  vmId: string
  address: BackendAddress
  /** Ready containers on the VM; 0 takes it out of rotation. */
  readyContainers: number
  /** On its way to 0 replicas: weight 0, so in-flight requests finish and no new one arrives. */
  draining?: boolean
  /** Probed here instead of the agent's /_agent/healthz (a Swarm task the front reaches directly). */
  healthPath?: string | undefined
}

export interface FrontProxyOptions {
  host: string
  port: number
  algorithm?: BalancerAlgorithm
  /** Against slow clients: time to receive the headers, and the whole request. */
  headersTimeoutMs?: number
  requestTimeoutMs?: number
  /** Peers (proxies in front of this one) whose X-Forwarded-* and Forwarded headers are kept. */
  trustedProxies?: TrustedProxies
  /** Timeouts and the overload queue; the defaults of proxy-limits when omitted. */
  limits?: ProxyLimits
  /** Called once per answered request, for the metrics. */
  onResponse?: (vmId: string | undefined, status: number, seconds: number) => void
  /** How each VM's agent is probed at /_agent/healthz. */
  health?: HealthSettings
  /** A VM turned unhealthy (reason) or healthy (no reason), or left rotation and is no longer checked (null). */
  onHealthChange?: (vmId: string, health: { healthy: boolean; reason?: string } | null) => void
}

export class FrontProxy {
  readonly pool: BackendPool
  readonly meter = new RequestMeter()
  private readonly addresses = new Map<string, BackendAddress>()
  private readonly healthPaths = new Map<string, string>()
  private server: Server | undefined
  private lean: LeanServing | undefined
  /** Requests taken and not yet answered, whose connections close after the answer once stopping. */
  private readonly answering = new Set<ClientResponse>()
  private readonly proxy
  private trustedProxies: TrustedProxies
  /** Probes every VM in rotation; an unhealthy VM stays in the pool but gets no new requests. */
  private readonly health: HealthChecker

  constructor(private readonly options: FrontProxyOptions) {
    this.pool = new BackendPool({
      settings: {
        algorithm: options.algorithm ?? 'least-outstanding',
        ...(options.limits ? { timeouts: options.limits.timeouts, queue: options.limits.queue } : {}),
      },
    })
    this.health = new HealthChecker({
      path: AGENT_HEALTH_PATH,
      settings: options.health ?? DEFAULT_HEALTH_SETTINGS,
      targets: () =>
        [...this.addresses].map(([id, address]) => ({ id, ...address, path: this.healthPaths.get(id) })),
      onChange: (id, healthy, reason) => {
        this.pool.setHealth(id, healthy, reason)
        options.onHealthChange?.(id, { healthy, ...(reason !== undefined && { reason }) })
      },
      answeredSince: (id, since) => this.pool.answeredSince(id, since),
    })
    this.trustedProxies = options.trustedProxies ?? TrustedProxies.none()
    this.proxy = createBalancedProxy({
      pool: this.pool,
      meter: this.meter,
      trustedProxies: () => this.trustedProxies,
      resolve: (id) => this.addresses.get(id),
      // A VM's id is its name ("lab-1"), which is how errors name it.
      describe: (id) => id,
      retryUnserved: true,
      ...(options.onResponse && {
        onRelay: (res: ClientResponse, servedBy: string | undefined) => {
          ;(res as Answer)[SERVED_BY] = servedBy
        },
      }),
      noBackendMessage: () =>
        this.addresses.size === 0
          ? 'No VM is ready yet: the cluster has no VM whose agent is connected with a ready container.'
          : 'Every VM is failing right now; retry in a moment.',
    })
  }

  /** Brings the rotation in line with the cluster: VMs without a ready container leave it at once. */
  syncBackends(backends: readonly FrontBackend[]): void {
    const inRotation = backends.filter((b) => b.readyContainers > 0)
    const ids = new Set(inRotation.map((b) => b.vmId))
    for (const id of [...this.addresses.keys()]) {
      if (!ids.has(id)) {
        this.addresses.delete(id)
        this.healthPaths.delete(id)
        this.pool.removeBackend(id)
        this.meter.forget(id)
        if (this.health.forget(id)?.healthy === false) this.options.onHealthChange?.(id, null)
      }
    }
    for (const backend of inRotation) {
      this.addresses.set(backend.vmId, backend.address)
      if (backend.healthPath) this.healthPaths.set(backend.vmId, backend.healthPath)
      this.pool.setBackend({ id: backend.vmId, weight: backend.draining ? 0 : backend.readyContainers })
    }
    // More ready containers mean more room: queued requests need not wait for the next release.
    this.proxy.wake()
  }

  setAlgorithm(algorithm: BalancerAlgorithm): void {
    this.pool.applySettings({ ...this.pool.settings, algorithm })
  }

  /** Timeouts and the overload queue (settings.proxy); in-flight requests keep the ones they started with. */
  setLimits(limits: ProxyLimits): void {
    // Only these two: the caller may hand over all of settings.proxy.
    this.pool.applySettings({ ...this.pool.settings, timeouts: limits.timeouts, queue: limits.queue })
    this.proxy.wake()
  }

  setHealthSettings(settings: HealthSettings): void {
    this.health.applySettings(settings)
  }

  setTrustedProxies(trusted: TrustedProxies): void {
    this.trustedProxies = trusted
  }

  traffic(vmId?: string): TrafficSummary {
    return this.meter.summary(vmId)
  }

  async start(): Promise<number> {
    const headersTimeout = this.options.headersTimeoutMs ?? 10_000
    const server = createServer(
      {
        headersTimeout,
        requestTimeout: this.options.requestTimeoutMs ?? 30_000,
        // Node checks the timeouts on this interval (30 s by default), which would let slow clients linger.
        connectionsCheckingInterval: Math.min(1000, headersTimeout / 2),
      },
      (req, res) => this.handle(req, res),
    )
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head))
    // Plain requests skip node:http's per-request objects; it serves the rest (bodies, upgrades) as above.
    this.lean = serveLean(server, { takes: () => true, handle: (req, res) => this.handle(req, res) })
    this.server = server
    this.health.start()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    return (server.address() as AddressInfo).port
  }

  private handle(req: ProxiedRequest, res: ClientResponse): void {
    this.answering.add(res)
    const started = performance.now()
    // One listener per request: the answer went out in full (finished), or the client left before it did.
    res.once('close', () => this.answered(res, started))
    // Stopping: answered, then the connection closes, so a keep-alive client does not hold the shutdown.
    if (this.server && !this.server.listening) res.shouldKeepAlive = false
    if (isAgentPath(req.url)) sendJsonError(res, 404, 'Not found')
    else this.proxy.web(req, res)
  }

  private answered(res: ClientResponse, started: number): void {
    this.answering.delete(res)
    const { onResponse } = this.options
    if (!onResponse || !res.writableFinished) return
    // The agent's X-Served-By ("vm/container") names the VM that answered.
    const servedBy = (res as Answer)[SERVED_BY]
    const vmName = servedBy === undefined ? undefined : servedBy.split('/')[0]
    onResponse(vmName, res.statusCode, (performance.now() - started) / 1000)
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (isAgentPath(req.url)) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
      return
    }
    this.proxy.upgrade(req, socket, head)
  }

  /**
   * Stops taking connections and waits, at most `graceMs`, for the requests already taken: a shutdown
   * answers what it accepted before the VMs behind it go away. close() ends whatever is left.
   */
  async stopAccepting(graceMs = 10_000): Promise<void> {
    const server = this.server
    if (!server?.listening) return
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    this.lean?.closeIdle()
    for (const res of this.answering) if (!res.headersSent) res.shouldKeepAlive = false
    let timer: NodeJS.Timeout | undefined
    await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))])
    clearTimeout(timer)
  }

  async close(): Promise<void> {
    const server = this.server
    this.health.stop()
    this.proxy.close()
    if (!server) return
    this.lean?.closeAll()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
