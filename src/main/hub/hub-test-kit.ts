// Test support for the hub's tests (not used by the VIM): a hub on 127.0.0.1 port 0 that records its
// logs and events, a hand-driven agent over a real socket, and a clock that tests move by hand.
import WebSocket from 'ws'
import { DEFAULT_POLICY } from '../../shared/policy/scaling-policy'
import { type AgentKey, generateAgentKey, signIdentity } from '../../shared/protocol/agent-identity'
import { proveToken } from '../../shared/protocol/auth'
import {
  type HelloMessage,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  parseVimMessage,
  type ReportMessage,
  type Unversioned,
  type VimMessage,
} from '../../shared/protocol/messages'
import {
  AgentHub,
  type AgentHubOptions,
  type AgentSession,
  type HubAddress,
  type SessionEnd,
} from './agent-hub'
import type { Rejection } from './hub-events'
import type { HubClock } from './hub-options'

export const TOKEN = 'abcdef.0123456789abcdef'

export type HelloFields = Omit<HelloMessage, 'type' | 'v' | 'auth' | 'identity'>

const testKeys = new Map<string, AgentKey>()

/** One key per VM name for the whole test run: an agent that rejoins under a name is the same agent. */
export function testKeyFor(vmName: string): AgentKey {
  let key = testKeys.get(vmName)
  if (!key) {
    key = generateAgentKey()
    testKeys.set(vmName, key)
  }
  return key
}

/** The complete hello for a nonce: proved with `token`, signed with `key`. */
export function signedHello(
  fields: HelloFields,
  nonce: string,
  token = TOKEN,
  key = testKeyFor(fields.vmName),
): HelloMessage {
  const hmac = proveToken(token, nonce, fields.agentId)
  const signature = signIdentity(key, { nonce, vmName: fields.vmName, agentId: fields.agentId, hmac })
  return {
    ...fields,
    type: 'hello',
    v: PROTOCOL_VERSION,
    auth: { nonce, hmac },
    identity: { publicKey: key.publicKey, signature },
  }
}

export function introduction(agentId = 'lab-1', overrides: Partial<HelloFields> = {}): HelloFields {
  return {
    agentId,
    vmName: agentId,
    agentVersion: '0.1.0',
    runtime: 'process',
    capacity: { containers: 4, cpus: 2, memoryBytes: 4 * 1024 ** 3 },
    cpusPerContainer: 0.5,
    memoryPerContainerBytes: 256 * 1024 ** 2,
    lbHost: '127.0.0.1',
    lbPort: 18080,
    ...overrides,
  }
}

export interface TestHub {
  hub: AgentHub
  address: HubAddress
  url: string
  logs: { level: 'info' | 'warn'; message: string }[]
  connected: AgentSession[]
  disconnected: { session: AgentSession; end: SessionEnd }[]
  rejected: { remoteAddress: string; rejection: Rejection }[]
}

export async function startTestHub(options: Partial<AgentHubOptions> = {}): Promise<TestHub> {
  const logs: TestHub['logs'] = []
  const hub = new AgentHub({
    port: 0,
    host: '127.0.0.1',
    token: TOKEN,
    tls: false,
    welcome: () => ({ policy: DEFAULT_POLICY, target: 2 }),
    logger: {
      info: (message) => logs.push({ level: 'info', message }),
      warn: (message) => logs.push({ level: 'warn', message }),
    },
    ...options,
  })
  const test: TestHub = {
    hub,
    address: { port: 0, url: '' },
    url: '',
    logs,
    connected: [],
    disconnected: [],
    rejected: [],
  }
  hub.on('connected', (session) => test.connected.push(session))
  hub.on('disconnected', (session, end) => test.disconnected.push({ session, end }))
  hub.on('rejected', (remoteAddress, rejection) => test.rejected.push({ remoteAddress, rejection }))
  test.address = await hub.start()
  test.url = test.address.url
  return test
}

/** An agent driven by hand over a real socket: it sends exactly what a test tells it to. */
export class RawAgent {
  readonly received: VimMessage[] = []
  readonly closed: Promise<{ code: number; reason: string }>
  private readonly waiters = new Set<() => void>()

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const parsed = parseVimMessage(data as Buffer)
      if (parsed.ok) this.received.push(parsed.message)
      for (const wake of [...this.waiters]) wake()
    })
    // A socket the hub closed may still be written to by a test; that is expected, not a failure.
    socket.on('error', () => {})
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() })
        for (const wake of [...this.waiters]) wake()
      })
    })
  }

  static connect(url: string, options: WebSocket.ClientOptions = {}): Promise<RawAgent> {
    const socket = new WebSocket(url, { maxPayload: 4 * MAX_MESSAGE_BYTES, ...options })
    const agent = new RawAgent(socket)
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(agent))
      socket.once('error', reject)
    })
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN
  }

  /** The first message of this type, waiting for it if it has not come yet. */
  async next<T extends VimMessage['type']>(
    type: T,
    timeoutMs = 2000,
  ): Promise<Extract<VimMessage, { type: T }>> {
    const found = () =>
      this.received.find((m) => m.type === type) as Extract<VimMessage, { type: T }> | undefined
    const deadline = Date.now() + timeoutMs
    while (!found()) {
      if (this.socket.readyState === WebSocket.CLOSED) throw new Error(`closed before a "${type}" came`)
      if (Date.now() > deadline) throw new Error(`no "${type}" within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake)
          clearTimeout(timer)
          resolve()
        }
        const timer = setTimeout(wake, 50)
        this.waiters.add(wake)
      })
    }
    return found()!
  }

  /** The hello answering this connection's challenge, proved with `token` and signed with `key`. */
  async helloFor(
    token = TOKEN,
    fields: HelloFields = introduction(),
    key = testKeyFor(fields.vmName),
  ): Promise<HelloMessage> {
    const { nonce } = await this.next('challenge')
    return signedHello(fields, nonce, token, key)
  }

  /** Authenticates and waits for the welcome. */
  async join(
    fields: HelloFields = introduction(),
    token = TOKEN,
    key = testKeyFor(fields.vmName),
  ): Promise<Extract<VimMessage, { type: 'welcome' }>> {
    this.send(await this.helloFor(token, fields, key))
    return this.next('welcome')
  }

  send(message: unknown): void {
    if (this.socket.readyState !== WebSocket.OPEN) return
    this.socket.send(
      typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message),
    )
  }

  close(): void {
    this.socket.terminate()
  }
}

/** A clock that only moves when the test says so; due timers run in time order. */
export class ManualClock implements HubClock {
  private time = 1_000_000
  private readonly timers = new Map<number, { at: number; callback: () => void }>()
  private nextId = 1

  now(): number {
    return this.time
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++
    this.timers.set(id, { at: this.time + ms, callback })
    return id
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number)
  }

  advance(ms: number): void {
    const end = this.time + ms
    for (;;) {
      const due = [...this.timers.entries()]
        .filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0]
      if (!due) break
      this.timers.delete(due[0])
      this.time = due[1].at
      due[1].callback()
    }
    this.time = end
  }
}

/** A plausible report without its version, as a link's `send` takes it. */
export function reportFields(seq = 1): Unversioned<ReportMessage> {
  return {
    type: 'report',
    seq,
    at: Date.now(),
    vm: { cpuPercent: 10, memoryBytes: 1000, replicas: 1, readyReplicas: 1 },
    containers: [],
    recommendation: { replicas: 1, reason: 'minimum' },
    target: 1,
    mode: 'following',
  }
}

/** The same report as it goes over the wire. */
export function report(seq = 1): ReportMessage {
  return { ...reportFields(seq), v: PROTOCOL_VERSION }
}
