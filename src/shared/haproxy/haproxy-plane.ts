// A data plane run by HAProxy and kept in step with its owner's backends through the Runtime API:
// servers, weights and trusted peers change with no reload (settings changes reload, losing nothing),
// and `show stat` is read every second into the owner's meters and health. Node-only.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BalancerAlgorithm } from '../balancer/balancer-settings'
import type { HealthSettings } from '../balancer/health-settings'
import type { ProxyQueue, ProxyTimeouts } from '../proxy/proxy-limits'
import {
  errorResponse,
  type HaproxyPlaneSpec,
  type HaproxyServer,
  haproxyConfig,
  haproxyWeight,
} from './haproxy-config'
import { freePort, HaproxyProcess, runtimeCommand } from './haproxy-process'
import {
  parseServerStats,
  type ServerReading,
  type ServerTraffic,
  serverHealth,
  trafficBetween,
} from './haproxy-stats'
import {
  type AppliedServer,
  appliedFromConfig,
  planServers,
  trustedPeer,
  trustedPeerCommands,
} from './runtime-commands'

export interface HaproxyPlaneSettings {
  algorithm: BalancerAlgorithm
  health: HealthSettings
  timeouts: ProxyTimeouts
  queue: ProxyQueue
}

export interface HaproxyPlaneOptions {
  binary: string
  /** Where the configuration, the Runtime API socket and the error pages live. */
  dir: string
  role: 'front' | 'agent'
  host: string
  /** 0: a port free now. */
  port: number
  healthPath: string
  agentPages?: { host: string; port: number }
  settings: HaproxyPlaneSettings
  /** The 503 body when no server can take a request. */
  noBackendMessage: string
  /** The servers wanted now; asked every sync round. */
  wanted(): HaproxyServer[]
  trustedPeers: readonly string[]
  /** Each second: what each server answered since the previous reading. */
  onTraffic?(traffic: ServerTraffic[]): void
  /** A server turned unhealthy or healthy by HAProxy's checks. */
  onHealth?(id: string, health: { healthy: boolean; reason?: string }): void
  log(line: string): void
}

const SYNC_INTERVAL_MS = 100
const STATS_INTERVAL_MS = 1_000

export class HaproxyPlane {
  private readonly process: HaproxyProcess
  private readonly socketPath: string
  private readonly trustedPath: string
  private settings: HaproxyPlaneSettings
  private trustedPeers: readonly string[]
  private port = 0
  private applied = new Map<string, AppliedServer>()
  private readings = new Map<string, ServerReading>()
  private readAt = 0
  /** When a command last touched each server: a reading older than that does not speak for it. */
  private readonly touchedAt = new Map<string, number>()
  private readonly healthy = new Map<string, boolean>()
  private lastWanted = ''
  private lastStats = 0
  private timer: NodeJS.Timeout | undefined
  /** Rounds run one at a time: a slow socket answer must not interleave two plans. */
  private round: Promise<void> = Promise.resolve()
  private closed = false

  constructor(private readonly options: HaproxyPlaneOptions) {
    this.socketPath = join(options.dir, 'runtime.sock')
    this.trustedPath = join(options.dir, 'trusted-peers.acl')
    this.settings = options.settings
    this.trustedPeers = options.trustedPeers
    this.process = new HaproxyProcess({
      binary: options.binary,
      configPath: join(options.dir, 'haproxy.cfg'),
      pidPath: join(options.dir, 'haproxy.pid'),
      socketPath: this.socketPath,
      onOutput: (line) => options.log(line),
      onRestarted: () => this.queue(() => this.afterLoad()),
    })
  }

  /** Starts HAProxy; resolves with the port it listens on. */
  async start(): Promise<number> {
    mkdirSync(this.options.dir, { recursive: true, mode: 0o700 })
    this.port = this.options.port === 0 ? await freePort(this.options.host) : this.options.port
    await this.process.start(this.config())
    await this.afterLoad()
    this.timer = setInterval(() => this.queue(() => this.tick()), SYNC_INTERVAL_MS)
    return this.port
  }

  /** Timeouts, health checks, the algorithm: a reload, in which no connection is dropped. */
  applySettings(settings: HaproxyPlaneSettings): void {
    this.settings = settings
    this.queue(async () => {
      await this.process.reload(this.config())
      await this.afterLoad()
    })
  }

  setTrustedPeers(peers: readonly string[]): void {
    this.trustedPeers = peers
    this.queue(() => this.sendTrustedPeers())
  }

  /** Requests in flight on a server; at least 1 while HAProxy may not have seen its last change yet. */
  inFlight(id: string, wantedWeight?: number): number {
    const counted = this.readings.get(id)?.inFlight ?? 0
    const applied = this.applied.get(id)
    const pending =
      (wantedWeight !== undefined && applied?.weight !== haproxyWeight(wantedWeight)) ||
      (this.touchedAt.get(id) ?? 0) >= this.readAt
    return pending ? Math.max(1, counted) : counted
  }

  reading(id: string): ServerReading | undefined {
    return this.readings.get(id)
  }

  /** Stops HAProxy once in-flight requests finished (bounded by `graceMs`). */
  async close(graceMs?: number): Promise<void> {
    this.closed = true
    clearInterval(this.timer)
    await this.round.catch(() => {})
    await this.process.stop(graceMs)
  }

  private queue(work: () => Promise<void>): void {
    this.round = this.round
      .then(() => (this.closed ? undefined : work()))
      .catch((error: Error) => this.options.log(`HAProxy: ${error.message}`))
  }

  private spec(servers: readonly HaproxyServer[]): HaproxyPlaneSpec {
    const errorFiles = {
      502: join(this.options.dir, '502.http'),
      503: join(this.options.dir, '503.http'),
      504: join(this.options.dir, '504.http'),
    }
    return {
      role: this.options.role,
      bind: { host: this.options.host, port: this.port },
      socketPath: this.socketPath,
      trustedPeersPath: this.trustedPath,
      errorFiles,
      algorithm: this.settings.algorithm,
      healthPath: this.options.healthPath,
      health: this.settings.health,
      timeouts: this.settings.timeouts,
      queue: this.settings.queue,
      ...(this.options.agentPages ? { agentPages: this.options.agentPages } : {}),
      servers,
    }
  }

  /** Writes the configuration and what it reads (trusted peers, error pages) with the current servers. */
  private config(): string {
    const servers = this.options.wanted()
    const spec = this.spec(servers)
    writeFileSync(this.trustedPath, this.trustedPeers.map((peer) => `${trustedPeer(peer)}\n`).join(''))
    const agent = this.options.role === 'agent'
    writeFileSync(spec.errorFiles[503], errorResponse(503, this.options.noBackendMessage, agent))
    writeFileSync(spec.errorFiles[502], errorResponse(502, 'The backend failed to answer.', false))
    writeFileSync(spec.errorFiles[504], errorResponse(504, 'The backend did not answer in time.', false))
    this.applied = appliedFromConfig(servers)
    this.lastWanted = ''
    return haproxyConfig(spec)
  }

  private async afterLoad(): Promise<void> {
    // After a restart HAProxy holds the servers its file named; the next round adds what changed since.
    this.lastWanted = ''
    await this.sendTrustedPeers()
    await this.readStats()
  }

  private async sendTrustedPeers(): Promise<void> {
    for (const command of trustedPeerCommands(this.trustedPath, this.trustedPeers)) await this.send(command)
  }

  private async tick(): Promise<void> {
    const wanted = this.options.wanted()
    const key = JSON.stringify(wanted)
    const leaving = [...this.applied.values()].some((s) => s.leaving)
    if (key !== this.lastWanted || leaving) {
      const plan = planServers(
        this.applied,
        wanted,
        this.settings,
        (id) => (this.readings.get(id)?.inFlight ?? 0) > 0,
      )
      for (const command of plan.commands) {
        const id = /workload\/(\S+)/.exec(command)?.[1]
        if (id !== undefined) this.touchedAt.set(id, Date.now())
        await this.send(command)
      }
      this.applied = plan.applied
      this.lastWanted = key
    }
    if (Date.now() - this.lastStats >= STATS_INTERVAL_MS) await this.readStats()
  }

  private async readStats(): Promise<void> {
    const startedAt = Date.now()
    const readings = parseServerStats(await runtimeCommand(this.socketPath, 'show stat'))
    this.lastStats = startedAt
    const traffic = trafficBetween([...this.readings.values()], readings)
    this.readings = new Map(readings.map((r) => [r.id, r]))
    this.readAt = startedAt
    this.options.onTraffic?.(traffic)
    for (const reading of readings) {
      const health = serverHealth(reading)
      if (this.healthy.get(reading.id) === health.healthy) continue
      const known = this.healthy.has(reading.id)
      this.healthy.set(reading.id, health.healthy)
      if (known || !health.healthy) this.options.onHealth?.(reading.id, health)
    }
    for (const id of [...this.healthy.keys()]) if (!this.readings.has(id)) this.healthy.delete(id)
  }

  private async send(command: string): Promise<void> {
    const answer = (await runtimeCommand(this.socketPath, command)).trim()
    // The Runtime API answers success with nothing or a short note; an error names what went wrong.
    if (/^(?:no such|unknown|.*(?:error|invalid|not found|cannot|can't|require))/i.test(answer))
      this.options.log(`HAProxy refused '${command}': ${answer}`)
  }
}
