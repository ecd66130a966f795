// One agent WebSocket from its first byte to its last: the challenge and proof check, frame validation,
// the rate limit, the heartbeat, and exactly one log line and one end report however the socket ends.
// Every handler is guarded: nothing an agent sends can throw out of here.
import type WebSocket from 'ws'
import { verifyIdentity } from '../../shared/protocol/agent-identity'
import { createNonce, verifyProof } from '../../shared/protocol/auth'
import { CloseCode, closeReasonText } from '../../shared/protocol/close-codes'
import {
  type AgentMessage,
  encodeMessage,
  type HelloMessage,
  parseAgentMessage,
  type RawFrame,
} from '../../shared/protocol/messages'
import type { LiveSession, SessionEnd } from './agent-session'
import type { ResolvedHubOptions } from './hub-options'
import { errorText, printable } from './log-text'
import { TokenBucket } from './token-bucket'

/** What the connection needs from the hub. */
export interface ConnectionHost {
  readonly options: ResolvedHubOptions
  /** The hello's proof and signature checked out: prepare the welcome and call `goLive`, or `fail`. */
  admit(connection: AgentConnection, hello: HelloMessage): Promise<void>
  received(session: LiveSession, message: AgentMessage): void
  /** Called exactly once per connection, as soon as its end is decided (before the socket is gone). */
  ended(connection: AgentConnection, end: SessionEnd): void
}

type Refusal = { code: number; reason: string }

export type ConnectionPhase = 'challenged' | 'welcoming' | 'live' | 'ended'

/** Close codes whose end is routine, logged at info rather than warn. */
const routineCodes = new Set<number>([CloseCode.normal, CloseCode.goingAway, CloseCode.duplicateAgent])

/** `ws` closes by itself on these frame-level faults; its error's `code` says which. */
const wsErrorCodes: Record<string, number> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: CloseCode.frameTooLarge,
  WS_ERR_INVALID_UTF8: 1007,
}

export class AgentConnection {
  phase: ConnectionPhase = 'challenged'
  session: LiveSession | undefined
  /** The VM name of a hello whose proof and signature checked out (for the refusal's event). */
  claimedName: string | undefined
  /** Single use: cleared by the first hello, whatever its fate. */
  private nonce: string | undefined = createNonce()
  private readonly bucket: TokenBucket
  private lastFrameAt: number
  private readonly timers = new Set<unknown>()
  private handshakeTimer: unknown
  private closed = false
  private readonly closedWaiters: (() => void)[] = []

  constructor(
    private readonly socket: WebSocket,
    readonly remoteAddress: string,
    private readonly host: ConnectionHost,
  ) {
    const { clock, burst, ratePerSecond, handshakeTimeoutMs } = host.options
    this.lastFrameAt = clock.now()
    this.bucket = new TokenBucket(burst, ratePerSecond, this.lastFrameAt)
    socket.on('message', (data) => this.guard(() => this.whenFrame(data as RawFrame)))
    socket.on('ping', () => this.guard(() => this.noteFrame()))
    socket.on('pong', () => this.guard(() => this.noteFrame()))
    socket.on('error', (error) => this.guard(() => this.whenSocketError(error)))
    socket.on('close', (code, reason) => this.guard(() => this.whenClosed(code, reason)))
    this.handshakeTimer = this.after(handshakeTimeoutMs, () => {
      const seconds = handshakeTimeoutMs / 1000
      this.fail(
        CloseCode.handshakeTimeout,
        this.phase === 'challenged'
          ? `no hello within ${seconds} s of the challenge`
          : `the VIM did not prepare the welcome within ${seconds} s`,
      )
    })
    this.schedulePing()
    this.watchSilence(host.options.deadAfterMs)
    this.write(encodeMessage({ type: 'challenge', nonce: this.nonce! }))
  }

  /** For log lines: the agent once known, the peer address before. */
  get label(): string {
    return this.session
      ? `${this.session.label}, session ${this.session.sessionId}`
      : `connection from ${this.remoteAddress}`
  }

  /** Resolves once the socket is fully closed. */
  whenGone(): Promise<void> {
    return this.closed ? Promise.resolve() : new Promise((resolve) => this.closedWaiters.push(resolve))
  }

  /** Sends the welcome and starts carrying the session's traffic. */
  goLive(session: LiveSession, welcome: string): void {
    if (this.phase !== 'welcoming') return
    this.phase = 'live'
    this.session = session
    this.cancelHandshakeTimer()
    this.write(welcome)
  }

  write(text: string): void {
    if (this.phase === 'ended' || this.socket.readyState !== this.socket.OPEN) return
    this.socket.send(text, () => {})
  }

  /** Ends the connection on the hub's initiative with a close code the agent understands. */
  fail(code: number, reason: string): void {
    if (this.phase === 'ended') return
    this.finish({ code, reason, by: 'hub' })
    try {
      this.socket.close(code, closeReasonText(reason))
    } catch {
      this.socket.terminate()
    }
    // An agent that never answers the close frame must not hold the socket open.
    this.after(this.host.options.closeGraceMs, () => this.socket.terminate())
  }

  /** Cuts the connection at once, without a close frame, to a peer that cannot read one anyway. */
  cut(reason: string): void {
    if (this.phase === 'ended') return
    this.finish({ code: 1006, reason, by: 'hub' })
    this.socket.terminate()
  }

  /** Cuts the socket whatever its state (shutdown stragglers); the end was already reported. */
  terminate(): void {
    this.socket.terminate()
  }

  // --- Frames ---------------------------------------------------------------------------------------

  private whenFrame(data: RawFrame): void {
    if (this.phase === 'ended' || !this.noteFrame()) return
    const parsed = parseAgentMessage(data)
    const refusal = parsed.ok ? this.route(parsed.message) : { code: parsed.closeCode, reason: parsed.reason }
    if (refusal) this.fail(refusal.code, refusal.reason)
  }

  /** Acts on a valid message in the current phase, or says why it is refused. */
  private route(message: AgentMessage): Refusal | undefined {
    if (this.phase === 'challenged') {
      return message.type === 'hello'
        ? this.checkHello(message)
        : { code: CloseCode.authFailed, reason: `"${message.type}" before a valid hello: authenticate first` }
    }
    if (this.phase === 'welcoming') {
      return { code: CloseCode.malformed, reason: `"${message.type}" came before the welcome` }
    }
    const session = this.session!
    if (message.type === 'hello') {
      return { code: CloseCode.malformed, reason: 'a second hello on an authenticated session' }
    }
    session.lastMessageAt = this.host.options.clock.now()
    if (message.type === 'ping') this.write(encodeMessage({ type: 'pong', at: message.at }))
    else if (message.type !== 'pong') this.host.received(session, message)
    return undefined
  }

  /** Counts any frame (messages, pings, pongs) as a sign of life and against the rate limit. */
  private noteFrame(): boolean {
    if (this.phase === 'ended') return false
    const now = this.host.options.clock.now()
    this.lastFrameAt = now
    if (this.bucket.take(now)) return true
    const { burst, ratePerSecond } = this.host.options
    this.fail(
      CloseCode.tooFrequent,
      `more than ${burst} messages at once or ${ratePerSecond} per second sustained`,
    )
    return false
  }

  private checkHello(hello: HelloMessage): Refusal | undefined {
    const nonce = this.nonce
    this.nonce = undefined
    if (nonce === undefined || hello.auth.nonce !== nonce) {
      return {
        code: CloseCode.authFailed,
        reason: "the hello answers another connection's challenge (a replayed proof)",
      }
    }
    if (!verifyProof(this.host.options.token(), nonce, hello.agentId, hello.auth.hmac)) {
      return { code: CloseCode.authFailed, reason: 'join token proof does not match' }
    }
    const { publicKey, signature } = hello.identity
    const claim = { nonce, vmName: hello.vmName, agentId: hello.agentId, hmac: hello.auth.hmac }
    if (!verifyIdentity(publicKey, signature, claim)) {
      return { code: CloseCode.authFailed, reason: "the agent key's signature does not match" }
    }
    this.phase = 'welcoming'
    this.claimedName = hello.vmName
    this.host.admit(this, hello).catch((error: unknown) => {
      this.fail(CloseCode.internalError, `the VIM could not admit the agent: ${errorText(error)}`)
    })
    return undefined
  }

  // --- The socket's end -------------------------------------------------------------------------------

  private whenSocketError(error: Error): void {
    // `ws` has already sent its own close frame for frame-level faults; this names the cause.
    const code = wsErrorCodes[(error as NodeJS.ErrnoException).code ?? '']
    if (code === CloseCode.frameTooLarge)
      this.finish({ code, reason: 'a message exceeded the size limit', by: 'hub' })
    else this.finish({ code: code ?? 1002, reason: `WebSocket error: ${errorText(error)}`, by: 'hub' })
  }

  private whenClosed(code: number, reason: Buffer): void {
    this.finish({ code, reason: reason.toString() || 'no reason given', by: 'agent' })
    this.closed = true
    for (const handle of this.timers) this.host.options.clock.clearTimeout(handle)
    this.timers.clear()
    for (const resolve of this.closedWaiters.splice(0)) resolve()
  }

  private finish(ending: SessionEnd): void {
    if (this.phase === 'ended') return
    const end = { ...ending, reason: printable(ending.reason) }
    const authenticated = this.session !== undefined
    this.phase = 'ended'
    this.nonce = undefined
    const label = this.label
    const line =
      end.by === 'hub'
        ? `hub: ${authenticated ? 'closed' : 'refused'} ${label}: ${end.reason} (close ${end.code})`
        : `hub: ${authenticated ? label : `${label} (not authenticated)`} closed the connection: ${end.reason} (close ${end.code})`
    const routine = routineCodes.has(end.code) || (!authenticated && end.by === 'agent')
    if (routine) this.host.options.logger.info(printable(line))
    else this.host.options.logger.warn(printable(line))
    this.host.ended(this, end)
  }

  // --- Heartbeat and timers ---------------------------------------------------------------------------

  private schedulePing(): void {
    this.after(this.host.options.pingIntervalMs, () => {
      if (this.phase === 'ended') return
      try {
        this.socket.ping()
      } catch {
        // Not open any more; 'close' follows.
      }
      this.schedulePing()
    })
  }

  /** Checks at the exact moment the silence would reach the limit, so detection is never late. */
  private watchSilence(delayMs: number): void {
    this.after(delayMs, () => {
      if (this.phase === 'ended') return
      const { clock, deadAfterMs } = this.host.options
      const silentMs = clock.now() - this.lastFrameAt
      if (silentMs >= deadAfterMs)
        this.cut(`no frame from the agent for ${(silentMs / 1000).toFixed(1)} s (missed heartbeats)`)
      else this.watchSilence(deadAfterMs - silentMs)
    })
  }

  private cancelHandshakeTimer(): void {
    if (this.handshakeTimer === undefined) return
    this.host.options.clock.clearTimeout(this.handshakeTimer)
    this.timers.delete(this.handshakeTimer)
    this.handshakeTimer = undefined
  }

  private after(ms: number, callback: () => void): unknown {
    if (this.closed) return undefined
    const { clock } = this.host.options
    const handle = clock.setTimeout(() => {
      this.timers.delete(handle)
      this.guard(callback)
    }, ms)
    this.timers.add(handle)
    return handle
  }

  /** The per-socket safety net: a fault in the hub's own code ends this session, never the VIM. */
  private guard(run: () => void): void {
    try {
      run()
    } catch (error) {
      this.host.options.logger.warn(printable(`hub: internal error on ${this.label}: ${errorText(error)}`))
      try {
        if (this.phase === 'ended') this.socket.terminate()
        else this.fail(CloseCode.internalError, 'internal error in the VIM hub')
      } catch {
        this.socket.terminate()
      }
    }
  }
}
