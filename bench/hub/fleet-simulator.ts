// A fleet of simulated VMM agents over real WebSockets: each one answers the hub's challenge with a
// proper join-token proof, waits for its welcome, then reports once a second with N containers (the
// send time stamped in, see report-stamp) and acks commands, as the real agent's link does.
import WebSocket from 'ws'
import { type AgentKey, generateAgentKey, signIdentity } from '../../src/shared/protocol/agent-identity'
import { proveToken } from '../../src/shared/protocol/auth'
import {
  type ContainerReport,
  encodeMessage,
  type HelloMessage,
  parseVimMessage,
  type ReportMessage,
  type Unversioned,
} from '../../src/shared/protocol/messages'
import { stampReason } from './report-stamp'

export interface FleetOptions {
  /** The hub's ws:// URL. */
  url: string
  token: string
  agents: number
  containersPerAgent?: number
  reportIntervalMs?: number
  /**
   * Handshakes under way at once. The hub refuses connections beyond 64 unauthenticated ones (HTTP 503),
   * as it should; real agents arrive spread out, so the fleet ramps up instead of knocking all at once.
   */
  handshakeConcurrency?: number
  /** Per agent, from dialling to the welcome. */
  connectTimeoutMs?: number
  /** Agents not dialled within this many ms of the start are left out (and counted as failures). */
  rampTimeoutMs?: number
  /** Agent ids are `${idPrefix}-0001` and so on. */
  idPrefix?: string
}

export interface FleetStats {
  agents: number
  /** Agents that were welcomed and are still connected. */
  connected: number
  reportsSent: number
  /** Why agents could not join or were closed, first few only. */
  failures: string[]
}

export interface Fleet {
  stats(): FleetStats
  /** Disconnects every agent (normal closure) and stops their timers. */
  close(): Promise<void>
}

const MAX_FAILURES_KEPT = 10

export function helloFor(
  agentId: string,
  index: number,
  containers: number,
): Omit<HelloMessage, 'type' | 'v' | 'auth' | 'identity'> {
  return {
    agentId,
    vmName: agentId,
    agentVersion: '0.1.0-bench',
    runtime: 'docker',
    capacity: { containers: Math.max(containers, 16), cpus: 8, memoryBytes: 16 * 1024 ** 3 },
    cpusPerContainer: 0.5,
    memoryPerContainerBytes: 256 * 1024 ** 2,
    lbHost: '127.0.0.1',
    // Never dialled: the benchmark's front proxy only keeps its rotation in step.
    lbPort: 20_000 + (index % 40_000),
    replicas: containers,
  }
}

/** A plausible 1 Hz report: every container ready and busy at a varying CPU level. */
export function reportFor(
  agentId: string,
  seq: number,
  containers: number,
  target: number,
  sentAtMs: number,
): Unversioned<ReportMessage> {
  const list: ContainerReport[] = Array.from({ length: containers }, (_, i) => {
    const cpuPercent = 20 + ((seq * 7 + i * 13) % 60)
    return {
      id: `${agentId}-c${String(i).padStart(2, '0')}`,
      name: `web-${i + 1}`,
      state: 'ready',
      cpuPercent,
      memoryBytes: 48 * 1024 ** 2 + i * 4096,
      inFlight: (seq + i) % 5,
      requestRate: cpuPercent / 2,
      latencyMsP50: 4 + (i % 3),
      latencyMsP95: 12 + (i % 5),
      healthy: true,
      startedAt: sentAtMs - 3_600_000,
      readyAt: sentAtMs - 3_590_000,
    }
  })
  const cpuTotal = list.reduce((sum, c) => sum + c.cpuPercent, 0)
  return {
    type: 'report',
    seq,
    at: sentAtMs,
    vm: {
      cpuPercent: (cpuTotal * 0.5) / 8,
      memoryBytes: list.reduce((sum, c) => sum + c.memoryBytes, 0),
      replicas: containers,
      readyReplicas: containers,
    },
    containers: list,
    recommendation: { replicas: target, reason: stampReason(sentAtMs) },
    target,
    mode: 'following',
  }
}

class SimulatedAgent {
  private socket: WebSocket | undefined
  private timer: NodeJS.Timeout | undefined
  private seq = 0
  private target = 1
  /** Each simulated VM has its own key, as real agents do; the hub pins it on first use. */
  private readonly key: AgentKey = generateAgentKey()
  welcomed = false

  constructor(
    private readonly id: string,
    private readonly index: number,
    private readonly options: Required<FleetOptions>,
    private readonly onReport: () => void,
    private readonly onFailure: (reason: string) => void,
  ) {}

  /** Resolves once welcomed; rejects with the reason otherwise. */
  connect(): Promise<void> {
    const { url, token, containersPerAgent, connectTimeoutMs } = this.options
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: connectTimeoutMs })
      this.socket = socket
      const timer = setTimeout(() => {
        reject(new Error(`${this.id}: no welcome within ${connectTimeoutMs} ms`))
        socket.terminate()
      }, connectTimeoutMs)
      socket.on('error', (error) => {
        clearTimeout(timer)
        reject(new Error(`${this.id}: ${error.message}`))
      })
      socket.on('close', (code, reason) => {
        clearTimeout(timer)
        this.stopReporting()
        const text = `${this.id}: closed ${code} ${reason.toString()}`.trim()
        if (this.welcomed) this.onFailure(text)
        this.welcomed = false
        reject(new Error(text))
      })
      socket.on('message', (data) => {
        const parsed = parseVimMessage(data as Buffer)
        if (!parsed.ok) return
        const message = parsed.message
        switch (message.type) {
          case 'challenge': {
            const fields = helloFor(this.id, this.index, containersPerAgent)
            const hmac = proveToken(token, message.nonce, this.id)
            const claim = { nonce: message.nonce, vmName: fields.vmName, agentId: this.id, hmac }
            const identity = { publicKey: this.key.publicKey, signature: signIdentity(this.key, claim) }
            this.send({ type: 'hello', ...fields, auth: { nonce: message.nonce, hmac }, identity })
            break
          }
          case 'welcome':
            clearTimeout(timer)
            this.welcomed = true
            this.target = message.target
            this.startReporting()
            resolve()
            break
          case 'setTarget':
            this.target = message.replicas
            this.send({ type: 'ack', commandId: message.commandId, ok: true })
            break
          case 'setPolicy':
            this.send({ type: 'ack', commandId: message.commandId, ok: true })
            break
          case 'ping':
            this.send({ type: 'pong', at: message.at })
            break
        }
      })
    })
  }

  private send(message: Parameters<typeof encodeMessage>[0]): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(encodeMessage(message))
  }

  /** 1 Hz from a random phase, as independent agents do; the first report comes within one interval. */
  private startReporting(): void {
    const { reportIntervalMs, containersPerAgent } = this.options
    const tick = () => {
      this.seq++
      this.send(reportFor(this.id, this.seq, containersPerAgent, this.target, Date.now()))
      this.onReport()
    }
    this.timer = setTimeout(() => {
      tick()
      this.timer = setInterval(tick, reportIntervalMs)
    }, Math.random() * reportIntervalMs)
  }

  private stopReporting(): void {
    clearTimeout(this.timer)
    clearInterval(this.timer)
  }

  close(): Promise<void> {
    this.stopReporting()
    const socket = this.socket
    this.welcomed = false
    if (!socket || socket.readyState === WebSocket.CLOSED) return Promise.resolve()
    return new Promise((resolve) => {
      const cut = setTimeout(() => socket.terminate(), 2000)
      socket.once('close', () => {
        clearTimeout(cut)
        resolve()
      })
      socket.close(1000, 'bench over')
    })
  }
}

/** Connects the whole fleet (ramping up `handshakeConcurrency` at a time) and starts its reports. */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const resolved: Required<FleetOptions> = {
    containersPerAgent: 10,
    reportIntervalMs: 1000,
    handshakeConcurrency: 32,
    connectTimeoutMs: 15_000,
    rampTimeoutMs: 120_000,
    idPrefix: 'sim',
    ...options,
  }
  let reportsSent = 0
  const failures: string[] = []
  const fail = (reason: string) => {
    if (failures.length < MAX_FAILURES_KEPT) failures.push(reason)
  }
  const width = String(resolved.agents).length
  const agents = Array.from(
    { length: resolved.agents },
    (_, index) =>
      new SimulatedAgent(
        `${resolved.idPrefix}-${String(index + 1).padStart(Math.max(4, width), '0')}`,
        index,
        resolved,
        () => reportsSent++,
        fail,
      ),
  )
  let next = 0
  const rampDeadline = performance.now() + resolved.rampTimeoutMs
  const worker = async () => {
    while (next < agents.length) {
      if (performance.now() > rampDeadline) {
        fail(`${agents.length - next} agents not dialled: the ramp-up took over ${resolved.rampTimeoutMs} ms`)
        next = agents.length
        break
      }
      const agent = agents[next++]!
      await agent.connect().catch((error: Error) => fail(error.message))
    }
  }
  await Promise.all(Array.from({ length: Math.min(resolved.handshakeConcurrency, agents.length) }, worker))

  return {
    stats: () => ({
      agents: agents.length,
      connected: agents.filter((agent) => agent.welcomed).length,
      reportsSent,
      failures: [...failures],
    }),
    close: async () => {
      await Promise.all(agents.map((agent) => agent.close()))
    },
  }
}
