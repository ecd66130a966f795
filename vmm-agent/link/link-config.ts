// The link's settings: what the caller may pass, the defaults, and the checks that turn a configuration
// mistake (bad URL, empty token, bad fingerprint, invalid hello) into one clear error at startup.
import { type AgentKey, signIdentity } from '../../src/shared/protocol/agent-identity'
import { normalizeFingerprint, proveToken } from '../../src/shared/protocol/auth'
import { HelloMessage, PROTOCOL_VERSION } from '../../src/shared/protocol/messages'
import { type Backoff, RECONNECT_BACKOFF, REJECTED_BACKOFF } from './backoff'

/** What the agent says about itself in `hello`; the link adds the type, version, proof and signature. */
export type AgentIntroduction = Omit<HelloMessage, 'type' | 'v' | 'auth' | 'identity'>

/** Time as the link sees it; tests inject a fake one. */
export interface LinkClock {
  now(): number
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export interface VimLinkOptions {
  /** `ws://host:port/path` or `wss://…`. */
  url: string
  /** The join token handed out at provisioning; only its HMAC proof is sent. */
  token: string
  /** This agent's own key pair (see agent-identity.ts): every hello is signed with it. */
  identity: AgentKey
  /** For `wss://`: accept exactly the VIM certificate with this SHA-256 fingerprint (self-signed is fine). */
  caFingerprint?: string
  /** Read at every handshake, so that capacity changes reach the VIM on the next connection. */
  hello: AgentIntroduction | (() => AgentIntroduction)
  /** Default: first retry within 0.5 s, at most 30 s apart. */
  backoff?: Backoff
  /** After a rejection or a fault that retrying fast would repeat. Default: 10 s to about 5 min. */
  rejectedBackoff?: Backoff
  /** A session that lasted this long resets the backoff; shorter ones keep escalating it. Default 10 s. */
  stableAfterMs?: number
  /** WebSocket pings this often. Default 1.5 s. */
  heartbeatIntervalMs?: number
  /** No frame at all from the VIM for this long means it (or the path to it) is dead. Default 5 s. */
  heartbeatTimeoutMs?: number
  /** From TCP connect to welcome. Default 10 s. */
  handshakeTimeoutMs?: number
  /** Events kept while disconnected. Default 100. */
  eventQueueSize?: number
  random?: () => number
  clock?: LinkClock
  /** Where the link reports its own troubles (a listener that threw). Default: console.warn. */
  warn?: (message: string) => void
}

export interface LinkConfig {
  url: URL
  token: string
  identity: AgentKey
  /** Canonical form (see auth.ts); undefined for `ws://` or CA-verified `wss://`. */
  fingerprint: string | undefined
  introduce: () => AgentIntroduction
  backoff: Backoff
  rejectedBackoff: Backoff
  stableAfterMs: number
  heartbeatIntervalMs: number
  heartbeatTimeoutMs: number
  handshakeTimeoutMs: number
  eventQueueSize: number
  random: () => number
  clock: LinkClock
  warn: (message: string) => void
}

const systemClock: LinkClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/** The options checked and completed with defaults. Throws an Error a person can act on. */
export function resolveLinkConfig(options: VimLinkOptions): LinkConfig {
  const url = parseLinkUrl(options.url)
  if (options.token.length === 0) throw new Error('the join token is empty: pass --token')
  let fingerprint: string | undefined
  if (options.caFingerprint !== undefined) {
    fingerprint = normalizeFingerprint(options.caFingerprint)
    if (fingerprint === undefined) {
      throw new Error(
        `--ca-fingerprint "${options.caFingerprint}" is not a SHA-256 fingerprint (expected SHA256:AB:CD:… or 64 hex digits)`,
      )
    }
    if (url.protocol !== 'wss:') {
      throw new Error('--ca-fingerprint pins a TLS certificate, so the VIM URL must start with wss://')
    }
  }
  const hello = options.hello
  if (typeof hello !== 'function') {
    const built = buildHello(hello, options.token, 'A'.repeat(43), options.identity)
    if ('problem' in built) throw new Error(`the agent's hello is invalid: ${built.problem}`)
  }
  return {
    url,
    token: options.token,
    identity: options.identity,
    fingerprint,
    introduce: typeof hello === 'function' ? hello : () => hello,
    backoff: options.backoff ?? RECONNECT_BACKOFF,
    rejectedBackoff: options.rejectedBackoff ?? REJECTED_BACKOFF,
    stableAfterMs: options.stableAfterMs ?? 10_000,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1500,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 5000,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? 10_000,
    eventQueueSize: options.eventQueueSize ?? 100,
    random: options.random ?? Math.random,
    clock: options.clock ?? systemClock,
    warn: options.warn ?? ((message) => console.warn(`[vim-link] ${message}`)),
  }
}

/**
 * The complete hello for a challenge's nonce, proved with the token and signed with the agent's key,
 * checked against the schema, or what is wrong with it.
 */
export function buildHello(
  introduction: AgentIntroduction,
  token: string,
  nonce: string,
  key: AgentKey,
): { hello: HelloMessage } | { problem: string } {
  if (typeof introduction?.agentId !== 'string' || introduction.agentId.includes('\n')) {
    return { problem: 'agentId: must be a single-line string' }
  }
  if (typeof introduction.vmName !== 'string' || introduction.vmName.includes('\n')) {
    return { problem: 'vmName: must be a single-line string' }
  }
  const hmac = proveToken(token, nonce, introduction.agentId)
  const signature = signIdentity(key, {
    nonce,
    vmName: introduction.vmName,
    agentId: introduction.agentId,
    hmac,
  })
  const result = HelloMessage.safeParse({
    ...introduction,
    type: 'hello',
    v: PROTOCOL_VERSION,
    auth: { nonce, hmac },
    identity: { publicKey: key.publicKey, signature },
  })
  if (result.success) return { hello: result.data }
  const issue = result.error.issues[0]
  return { problem: issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid' }
}

function parseLinkUrl(text: string): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new Error(`"${text}" is not a URL; expected ws://host:port/path or wss://host:port/path`)
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new Error(`the VIM URL must start with ws:// or wss://, not ${url.protocol}//`)
  }
  return url
}
