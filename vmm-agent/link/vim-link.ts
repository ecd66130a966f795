// The agent's control link to the VIM: one WebSocket, authenticated with the join token, watched by a
// heartbeat and re-dialed with backoff forever. It never throws once started; it reports through states.
//
// While the link is down the agent keeps serving and scaling on its own (the caller's job). What `send`
// does meanwhile: reports and acks are dropped (a stale report is worthless, the next comes in a second,
// and a command's ack belongs to a session that is gone; the VIM sends its target again on welcome);
// events are kept in a small queue (oldest dropped first) and sent after the next welcome.
import WebSocket from 'ws'
import { CloseCode, closeCodeInfo, closeReasonText } from '../../src/shared/protocol/close-codes'
import {
  AgentMessage,
  encodeMessage,
  MAX_MESSAGE_BYTES,
  type MessageOf,
  PROTOCOL_VERSION,
  parseVimMessage,
  type Unversioned,
  type VimMessage,
  type VimMessageType,
} from '../../src/shared/protocol/messages'
import { reconnectDelay } from './backoff'
import { EventBacklog } from './event-backlog'
import { buildHello, type LinkConfig, resolveLinkConfig, type VimLinkOptions } from './link-config'
import { describeSocketError, explainClose, type Outcome } from './link-outcomes'
import { pinnedClientOptions } from './tls-pinning'

export type { AgentIntroduction, LinkClock, VimLinkOptions } from './link-config'

export type LinkState =
  | { status: 'connecting'; attempt: number }
  | { status: 'connected'; sessionId: string }
  /** `retryInMs` is null once the caller closed the link: it will not dial again. */
  | { status: 'disconnected'; reason: string; retryInMs: number | null }
  /** The VIM refuses this agent until a person acts (token, id, version, certificate); still retried. */
  | { status: 'rejected'; reason: string; retryInMs: number }

export type SendResult =
  | { status: 'sent' }
  | { status: 'queued' }
  | { status: 'dropped'; reason: string }
  | { status: 'invalid'; reason: string }

type Phase = 'idle' | 'dialing' | 'awaiting-challenge' | 'awaiting-welcome' | 'connected'

/** The only phase in which each VIM message makes sense; anything else is a protocol violation. */
const phaseFor: Record<VimMessageType, Phase | 'any'> = {
  challenge: 'awaiting-challenge',
  welcome: 'awaiting-welcome',
  setTarget: 'connected',
  setPolicy: 'connected',
  readLogs: 'connected',
  ping: 'any',
  pong: 'any',
}

/** Reports are dropped rather than piled up behind a slow link. */
const MAX_BUFFERED_BYTES = 1024 * 1024
const KILL_AFTER_CLOSE_MS = 1000

export class VimLink {
  private readonly config: LinkConfig
  private current: LinkState = { status: 'disconnected', reason: 'not started', retryInMs: null }
  private socket: WebSocket | undefined
  private phase: Phase = 'idle'
  /** Consecutive attempts that did not lead to a stable session; drives the backoff. */
  private attempt = 0
  private connectedAt = 0
  private lastSeen = 0
  /** Why the current socket is ending, when this side knows better than the close code. */
  private outcome: Outcome | undefined
  private peerVerified = false
  private dialedAddress: string | undefined
  private vimAddress: string | undefined
  private stopped = false
  private readonly timers = new Set<unknown>()
  private retryTimer: unknown
  private handshakeTimer: unknown
  private readonly backlog: EventBacklog
  private readonly stateListeners = new Set<(state: LinkState) => void>()
  private readonly messageListeners = new Map<VimMessageType, Set<(message: VimMessage) => void>>()
  private readonly closeWaiters: (() => void)[] = []

  /** Throws only on a configuration a person must fix (bad URL, empty token, bad fingerprint, bad hello). */
  constructor(options: VimLinkOptions) {
    this.config = resolveLinkConfig(options)
    this.backlog = new EventBacklog(this.config.eventQueueSize)
  }

  get state(): LinkState {
    return this.current
  }

  /** Starts dialing; idempotent. */
  start(): void {
    if (this.stopped || this.phase !== 'idle' || this.retryTimer !== undefined) return
    this.dial()
  }

  /** Closes the link for good (code 1000) and stops retrying. Resolves once the socket is closed. */
  close(): Promise<void> {
    this.stopped = true
    this.cancel('retryTimer')
    const socket = this.socket
    if (!socket) {
      this.clearAllTimers()
      this.phase = 'idle'
      this.setState({ status: 'disconnected', reason: 'the link was closed by the agent', retryInMs: null })
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      this.closeWaiters.push(resolve)
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate()
      else this.closeSocket(socket, CloseCode.normal, 'agent shutting down')
    })
  }

  /** Sends when connected; otherwise queues events and drops everything else (see the module header). */
  send(message: Unversioned<AgentMessage>): SendResult {
    if (message.type === 'hello') return { status: 'invalid', reason: 'the link sends hello itself' }
    const checked = AgentMessage.safeParse({ ...message, v: PROTOCOL_VERSION })
    if (!checked.success) {
      const issue = checked.error.issues[0]
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : ''
      return { status: 'invalid', reason: `invalid "${message.type}" message: ${where}${issue?.message}` }
    }
    const socket = this.socket
    if (this.phase === 'connected' && socket?.readyState === WebSocket.OPEN) {
      if (message.type === 'report' && socket.bufferedAmount > MAX_BUFFERED_BYTES) {
        return { status: 'dropped', reason: 'the link to the VIM is congested' }
      }
      const text = JSON.stringify(checked.data)
      if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) {
        return {
          status: 'invalid',
          reason: `the "${message.type}" message exceeds ${MAX_MESSAGE_BYTES} bytes`,
        }
      }
      socket.send(text, () => {})
      return { status: 'sent' }
    }
    if (message.type === 'event') {
      this.backlog.push(message)
      return { status: 'queued' }
    }
    return { status: 'dropped', reason: 'not connected to the VIM' }
  }

  /** The VIM's address as last seen on a connection that completed the handshake (its traffic comes from there). */
  get peerAddress(): string | undefined {
    return this.vimAddress
  }

  /** Calls `listener` for every message of this type from the VIM. Returns the unsubscribe function. */
  onMessage<T extends VimMessageType>(
    type: T,
    listener: (message: MessageOf<VimMessage, T>) => void,
  ): () => void {
    let set = this.messageListeners.get(type)
    if (!set) {
      set = new Set()
      this.messageListeners.set(type, set)
    }
    const wrapped = listener as (message: VimMessage) => void
    set.add(wrapped)
    return () => set.delete(wrapped)
  }

  onStateChange(listener: (state: LinkState) => void): () => void {
    this.stateListeners.add(listener)
    return () => this.stateListeners.delete(listener)
  }

  // --- Dialing and the socket's life ----------------------------------------------------------------

  private dial(): void {
    this.retryTimer = undefined
    this.phase = 'dialing'
    this.outcome = undefined
    this.peerVerified = this.config.fingerprint === undefined
    this.setState({ status: 'connecting', attempt: this.attempt })
    const pinning = this.config.fingerprint
      ? pinnedClientOptions(this.config.fingerprint, () => {
          this.peerVerified = true
        })
      : {}
    let socket: WebSocket
    try {
      socket = new WebSocket(this.config.url, {
        handshakeTimeout: this.config.handshakeTimeoutMs,
        maxPayload: MAX_MESSAGE_BYTES,
        perMessageDeflate: false,
        ...pinning,
      })
    } catch (error) {
      // Not expected (the URL was checked up front), but a link must never throw once started.
      this.phase = 'idle'
      this.retryLater({ action: 'slow', reason: `cannot open a WebSocket to the VIM: ${String(error)}` })
      return
    }
    this.socket = socket
    this.dialedAddress = undefined
    socket.on('upgrade', (response) => {
      if (socket === this.socket) this.dialedAddress = response.socket.remoteAddress
    })
    socket.on('open', () => this.whenOpen(socket))
    socket.on('message', (data) => this.whenMessage(socket, data))
    socket.on('pong', () => this.noteLife(socket))
    socket.on('ping', () => this.noteLife(socket))
    socket.on('error', (error) => this.noteOutcome(socket, describeSocketError(error, this.config.url)))
    socket.on('close', (code, reason) => this.whenClosed(socket, code, reason.toString()))
  }

  private whenOpen(socket: WebSocket): void {
    if (socket !== this.socket) return
    if (!this.peerVerified) {
      // Defense in depth: pinning is meant to have cut the connection before the upgrade.
      this.noteOutcome(socket, {
        action: 'rejected',
        reason: "the VIM's certificate was not checked; refusing it",
      })
      socket.terminate()
      return
    }
    this.phase = 'awaiting-challenge'
    this.noteLife(socket)
    this.handshakeTimer = this.after(this.config.handshakeTimeoutMs, () => {
      const seconds = this.config.handshakeTimeoutMs / 1000
      this.abort(socket, CloseCode.handshakeTimeout, {
        action: 'retry',
        reason: `the VIM did not finish the handshake within ${seconds} s`,
      })
    })
    this.heartbeat(socket)
  }

  private whenMessage(socket: WebSocket, data: WebSocket.RawData): void {
    if (socket !== this.socket) return
    this.noteLife(socket)
    const parsed = parseVimMessage(data)
    if (!parsed.ok) {
      // A VIM speaking another protocol version is a rejection a person must fix; the rest are faults.
      this.abort(socket, parsed.closeCode, {
        action: closeCodeInfo(parsed.closeCode)?.action ?? 'slow',
        reason: `the VIM sent a message this agent cannot read: ${parsed.reason}`,
      })
      return
    }
    const message = parsed.message
    const wanted = phaseFor[message.type]
    if (wanted !== 'any' && wanted !== this.phase) {
      this.abort(socket, CloseCode.malformed, {
        action: 'slow',
        reason: `the VIM sent "${message.type}" out of order (while ${this.phase})`,
      })
      return
    }
    if (message.type === 'ping') socket.send(encodeMessage({ type: 'pong', at: message.at }), () => {})
    if (message.type === 'challenge') this.answerChallenge(socket, message.nonce)
    if (message.type === 'welcome') this.becomeConnected(socket, message.sessionId)
    this.emitMessage(message)
  }

  private answerChallenge(socket: WebSocket, nonce: string): void {
    let built: ReturnType<typeof buildHello>
    try {
      built = buildHello(this.config.introduce(), this.config.token, nonce, this.config.identity)
    } catch (error) {
      built = { problem: error instanceof Error ? error.message : String(error) }
    }
    if ('problem' in built) {
      this.abort(socket, CloseCode.normal, {
        action: 'slow',
        reason: `the agent's hello is invalid: ${built.problem}`,
      })
      return
    }
    this.phase = 'awaiting-welcome'
    socket.send(JSON.stringify(built.hello), () => {})
  }

  private becomeConnected(socket: WebSocket, sessionId: string): void {
    this.cancel('handshakeTimer')
    this.phase = 'connected'
    this.connectedAt = this.config.clock.now()
    this.vimAddress = this.dialedAddress ?? this.vimAddress
    // Queued events go first so that whatever the welcome's listeners send comes after them.
    for (const event of this.backlog.drain(this.config.clock.now()))
      socket.send(encodeMessage(event), () => {})
    this.setState({ status: 'connected', sessionId })
  }

  private whenClosed(socket: WebSocket, code: number, serverReason: string): void {
    if (socket !== this.socket) return
    this.socket = undefined
    const wasConnected = this.phase === 'connected'
    this.phase = 'idle'
    this.clearAllTimers()
    if (this.stopped) {
      this.setState({ status: 'disconnected', reason: 'the link was closed by the agent', retryInMs: null })
      for (const resolve of this.closeWaiters.splice(0)) resolve()
      return
    }
    if (wasConnected && this.config.clock.now() - this.connectedAt >= this.config.stableAfterMs)
      this.attempt = 0
    this.retryLater(this.outcome ?? explainClose(code, serverReason, wasConnected))
  }

  private retryLater(outcome: Outcome): void {
    const backoff = outcome.action === 'retry' ? this.config.backoff : this.config.rejectedBackoff
    const delay = reconnectDelay(this.attempt, backoff, this.config.random)
    this.attempt += 1
    this.setState(
      outcome.action === 'rejected'
        ? { status: 'rejected', reason: outcome.reason, retryInMs: delay }
        : { status: 'disconnected', reason: outcome.reason, retryInMs: delay },
    )
    if (!this.stopped) this.retryTimer = this.after(delay, () => this.dial())
  }

  // --- Liveness -------------------------------------------------------------------------------------

  private heartbeat(socket: WebSocket): void {
    this.after(this.config.heartbeatIntervalMs, () => {
      if (socket !== this.socket) return
      const silentMs = this.config.clock.now() - this.lastSeen
      if (silentMs >= this.config.heartbeatTimeoutMs) {
        this.noteOutcome(socket, {
          action: 'retry',
          reason: `no answer from the VIM for ${(silentMs / 1000).toFixed(1)} s`,
        })
        socket.terminate()
        return
      }
      try {
        socket.ping()
      } catch {
        // Not open any more; 'close' follows and takes over.
      }
      this.heartbeat(socket)
    })
  }

  private noteLife(socket: WebSocket): void {
    if (socket === this.socket) this.lastSeen = this.config.clock.now()
  }

  // --- Helpers --------------------------------------------------------------------------------------

  /** Remembers the first explanation for this socket's end; later errors are consequences of it. */
  private noteOutcome(socket: WebSocket, outcome: Outcome): void {
    if (socket === this.socket && this.outcome === undefined) this.outcome = outcome
  }

  /** Ends the session with a close code the VIM can log, and makes sure it ends even if the VIM hangs. */
  private abort(socket: WebSocket, code: number, outcome: Outcome): void {
    this.noteOutcome(socket, outcome)
    this.closeSocket(socket, code, outcome.reason)
  }

  private closeSocket(socket: WebSocket, code: number, reason: string): void {
    try {
      socket.close(code, closeReasonText(reason))
    } catch {
      socket.terminate()
    }
    this.after(KILL_AFTER_CLOSE_MS, () => socket.terminate())
  }

  private after(ms: number, callback: () => void): unknown {
    const handle = this.config.clock.setTimeout(() => {
      this.timers.delete(handle)
      callback()
    }, ms)
    this.timers.add(handle)
    return handle
  }

  private cancel(name: 'retryTimer' | 'handshakeTimer'): void {
    const handle = this[name]
    if (handle !== undefined) {
      this.config.clock.clearTimeout(handle)
      this.timers.delete(handle)
    }
    this[name] = undefined
  }

  private clearAllTimers(): void {
    for (const handle of this.timers) this.config.clock.clearTimeout(handle)
    this.timers.clear()
    this.retryTimer = this.handshakeTimer = undefined
  }

  private setState(state: LinkState): void {
    this.current = state
    for (const listener of [...this.stateListeners]) this.safely(() => listener(state), 'state listener')
  }

  private emitMessage(message: VimMessage): void {
    const listeners = this.messageListeners.get(message.type)
    if (!listeners) return
    for (const listener of [...listeners]) this.safely(() => listener(message), `"${message.type}" listener`)
  }

  private safely(call: () => void, what: string): void {
    try {
      call()
    } catch (error) {
      this.config.warn(`a ${what} threw: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
}
