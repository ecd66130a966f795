// The hub's settings: what the VIM core passes, the defaults (limits, timeouts, heartbeat), and the seams
// (logger, clock) that tests replace.
import type { ScalingPolicy } from '../../shared/policy/scaling-policy'
import type { HelloMessage } from '../../shared/protocol/messages'
import { log } from '../log'
import { type AgentKeyGate, AgentKeys } from './agent-keys'
import type { Rejection } from './hub-events'

/** Where the hub writes its one line per session end. */
export interface HubLogger {
  info(message: string): void
  warn(message: string): void
}

/** Time as the hub sees it; tests inject a fake one (same shape as the agent link's clock). */
export interface HubClock {
  now(): number
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** What the VIM tells a newly authenticated agent: the policy to use alone, and its current target. */
export interface WelcomeTerms {
  policy: ScalingPolicy
  target: number
}

/** PEM text; `loadOrCreateHubCertificate` makes both. */
export interface HubTls {
  cert: string
  key: string
}

export interface AgentHubOptions {
  /** Address to bind. Default 127.0.0.1; a VIM that real VMs reach binds their network's address. */
  host?: string
  /** 0 picks a free port (see `start()`'s answer). */
  port: number
  /** The join token handed out at provisioning; a function is read at every hello (rotation). */
  token: string | (() => string)
  /**
   * TLS is the VIM's default, so the caller must choose: the certificate (wss://), or `false` for
   * plain ws:// (tests, or a lab on a trusted network). There is deliberately no implicit default.
   */
  tls: HubTls | false
  /**
   * Called once per authenticated hello; may be async. The terms admit the agent; `refused` closes it with
   * that code and reason (reported as 'rejected'). If it throws, the agent is closed with 1011.
   */
  welcome: (
    hello: HelloMessage,
    remoteAddress: string,
  ) => WelcomeTerms | { refused: Rejection } | Promise<WelcomeTerms | { refused: Rejection }>
  /**
   * The agent keys trusted per VM name (see agent-keys.ts). Default: pins kept in memory, so that even
   * then a name belongs to the first key that joined under it for the hub's lifetime.
   */
  agentKeys?: AgentKeyGate
  logger?: HubLogger
  clock?: HubClock
  /** From connect to welcome. Default 10 s. */
  handshakeTimeoutMs?: number
  /** WebSocket ping period. Default 1 s. */
  pingIntervalMs?: number
  /** No frame at all for this long means the agent (or the path to it) is dead. Default 3 s. */
  deadAfterMs?: number
  /** How long a command waits for its ack. Default 5 s. */
  commandTimeoutMs?: number
  /** Frames an agent may send in one burst. Default 200 (see DEFAULT_LIMITS). */
  burst?: number
  /** Frames per second an agent may sustain. Default 20. */
  ratePerSecond?: number
  /** Connections that have not authenticated yet; more are refused with HTTP 503. Default 64. */
  maxPendingHandshakes?: number
  /** A closing socket whose peer never completes the close handshake is cut after this. Default 2 s. */
  closeGraceMs?: number
}

export const DEFAULT_LIMITS = {
  handshakeTimeoutMs: 10_000,
  // Ping every second and declare an agent dead after 3 s of silence: a dead VM leaves the front
  // proxy's rotation within 3 s. The agent also reports at 1 Hz, so a live one is never quiet for long.
  pingIntervalMs: 1000,
  deadAfterMs: 3000,
  commandTimeoutMs: 5000,
  // Reports come at 1 Hz, pongs at 1 Hz and agent pings every 1.5 s: about 3 frames/s. The burst is
  // large because right after welcome the agent flushes its backlog of up to 100 events (plus one "events
  // were dropped" warning) at once; a burst of 50 would cut every agent that was offline for a while.
  burst: 200,
  ratePerSecond: 20,
  maxPendingHandshakes: 64,
  closeGraceMs: 2000,
} as const

export type ResolvedHubOptions = Required<Omit<AgentHubOptions, 'token'>> & { token: () => string }

export const systemClock: HubClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

const defaultLogger: HubLogger = {
  info: (message) => log.info(message),
  warn: (message) => log.warn(message),
}

/** The options completed with defaults. Throws an Error a person can act on for a bad configuration. */
export function resolveHubOptions(options: AgentHubOptions): ResolvedHubOptions {
  const token = options.token
  if (typeof token === 'string' && token.length === 0) throw new Error('the hub needs a non-empty join token')
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new Error(`the hub port must be a whole number from 0 to 65535, not ${options.port}`)
  }
  const resolved: ResolvedHubOptions = {
    ...DEFAULT_LIMITS,
    host: '127.0.0.1',
    logger: defaultLogger,
    clock: systemClock,
    ...withoutUndefined(options),
    port: options.port,
    tls: options.tls,
    welcome: options.welcome,
    agentKeys: options.agentKeys ?? new AgentKeys(),
    token: typeof token === 'function' ? token : () => token,
  }
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof typeof DEFAULT_LIMITS)[]) {
    const value = resolved[key]
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`hub option ${key} must be above 0, not ${value}`)
  }
  return resolved
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
