// The VIM's agent hub: the WebSocket server every VMM agent connects to, the registry of live sessions,
// and the typed events the rest of the VIM (cluster state, scaler, front proxy) listens to.
//
// TLS is the default: the VIM core loads (or creates on first run) a self-signed certificate with
// `loadOrCreateHubCertificate` and serves wss://; agents pin it with --ca-fingerprint (the local lab
// passes `start().fingerprint`). Plain ws:// exists only when the caller passes `tls: false` explicitly.
//
// One session per VM name, bound to the agent's own key: the first key that joins under a name is pinned
// (trust on first use, or pinned up front by the lab and by deploys; see agent-keys.ts). A hello under
// that name with another key is refused with 4403 and the live session is untouched. A hello with the
// pinned key replaces the live session, which is closed with 4409: an agent that restarts (the common
// case) reconnects at once instead of waiting up to 3 s for the heartbeat to bury its old connection.
import { randomUUID } from 'node:crypto'
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { isIPv6 } from 'node:net'
import { type WebSocket, WebSocketServer } from 'ws'
import { publicKeyFingerprint } from '../../shared/protocol/agent-identity'
import { certificateFingerprint } from '../../shared/protocol/auth'
import { CloseCode } from '../../shared/protocol/close-codes'
import {
  type AgentMessage,
  type HelloMessage,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  WelcomeMessage,
} from '../../shared/protocol/messages'
import { isWildcardHost } from '../config/listen-address'
import { AgentConnection, type ConnectionHost } from './agent-connection'
import type { KeyVerdict } from './agent-keys'
import { type AgentSession, LiveSession, type SessionEnd } from './agent-session'
import { HubEmitter, type HubEventName, type HubEvents } from './hub-events'
import { type AgentHubOptions, type ResolvedHubOptions, resolveHubOptions } from './hub-options'
import { peerAddress } from './lb-address'
import { errorText, printable } from './log-text'

export type { AgentSession, CommandPayload, CommandType, SendResult, SessionEnd } from './agent-session'
export { CommandError } from './agent-session'
export type { HubEventName, HubEvents, Rejection } from './hub-events'
export type { AgentHubOptions, HubClock, HubLogger, HubTls, WelcomeTerms } from './hub-options'
export { DEFAULT_LIMITS } from './hub-options'

export interface HubAddress {
  port: number
  /** What agents pass as --vim. For a wildcard bind it names the loopback address. */
  url: string
  /** With TLS: what agents pass as --ca-fingerprint. */
  fingerprint?: string
}

const NOT_A_WEBSOCKET =
  'This is the Auto Cloud Scaler agent hub. VMM agents connect here with --vim ws(s)://HOST:PORT.\n'

export class AgentHub {
  private readonly options: ResolvedHubOptions
  /** What connections see of the hub; kept off the public API. */
  private readonly host: ConnectionHost
  private readonly emitter: HubEmitter
  private readonly wss: WebSocketServer
  private server: Server | undefined
  private state: 'new' | 'starting' | 'started' | 'closing' | 'closed' = 'new'
  private closing: Promise<void> | undefined
  private readonly connections = new Set<AgentConnection>()
  /** The live connection of each VM name. */
  private readonly live = new Map<string, AgentConnection>()

  /** Throws an Error a person can act on for a bad configuration (empty token, bad port). */
  constructor(options: AgentHubOptions) {
    this.options = resolveHubOptions(options)
    this.emitter = new HubEmitter(this.options.logger)
    this.host = {
      options: this.options,
      admit: (connection, hello) => this.admit(connection, hello),
      received: (session, message) => this.received(session, message),
      ended: (connection, end) => this.ended(connection, end),
    }
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_MESSAGE_BYTES,
      perMessageDeflate: false,
      clientTracking: false,
    })
  }

  on<E extends HubEventName>(event: E, listener: HubEvents[E]): () => void {
    return this.emitter.on(event, listener)
  }

  /** The live sessions, one per VM name. */
  sessions(): AgentSession[] {
    return [...this.live.values()].flatMap((connection) => (connection.session ? [connection.session] : []))
  }

  session(vmName: string): AgentSession | undefined {
    return this.live.get(vmName)?.session
  }

  /** Listens; rejects with a clear Error if the port is taken or the certificate is unusable. */
  async start(): Promise<HubAddress> {
    if (this.state !== 'new') throw new Error('the agent hub can be started only once')
    this.state = 'starting'
    const { host, port, tls, handshakeTimeoutMs } = this.options
    let fingerprint: string | undefined
    let server: Server
    try {
      const timeouts = { headersTimeout: handshakeTimeoutMs, requestTimeout: handshakeTimeoutMs }
      if (tls) {
        fingerprint = certificateFingerprint(tls.cert)
        server = createHttpsServer({
          ...timeouts,
          handshakeTimeout: handshakeTimeoutMs,
          cert: tls.cert,
          key: tls.key,
        })
      } else server = createHttpServer(timeouts)
    } catch (error) {
      this.state = 'closed'
      throw new Error(`the hub's TLS certificate or key is unusable: ${errorText(error)}`)
    }
    server.on('request', (_request, response) => {
      response.writeHead(426, { 'content-type': 'text/plain; charset=utf-8', upgrade: 'websocket' })
      response.end(NOT_A_WEBSOCKET)
    })
    server.on('upgrade', (request, socket, head) => this.whenUpgrade(request, socket as Socket, head))
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          server.off('error', reject)
          resolve()
        })
      })
    } catch (error) {
      this.state = 'closed'
      const code = (error as NodeJS.ErrnoException).code
      const hint = code === 'EADDRINUSE' ? ' (is another VIM running? choose another --hub-port)' : ''
      throw new Error(`the agent hub cannot listen on ${host}:${port}: ${errorText(error)}${hint}`)
    }
    server.on('error', (error) => this.options.logger.warn(`hub: server error: ${errorText(error)}`))
    this.server = server
    if (this.state !== 'starting') {
      // close() was called while listening began; honour it.
      await new Promise<void>((resolve) => server.close(() => resolve()))
      throw new Error('the agent hub was closed while it was starting')
    }
    this.state = 'started'
    const bound = (server.address() as AddressInfo).port
    const url = `${tls ? 'wss' : 'ws'}://${urlHost(host)}:${bound}`
    return fingerprint ? { port: bound, url, fingerprint } : { port: bound, url }
  }

  /** Ends every session with 1001 (agents reconnect to the next VIM), fails pending commands, stops. */
  close(): Promise<void> {
    this.closing ??= this.shutDown()
    return this.closing
  }

  // --- What connections call -----------------------------------------------------------------------

  private async admit(connection: AgentConnection, hello: HelloMessage): Promise<void> {
    const terms = await this.options.welcome(hello, connection.remoteAddress)
    if (connection.phase !== 'welcoming') return
    if (this.state !== 'started') {
      connection.fail(CloseCode.goingAway, 'the VIM is shutting down')
      return
    }
    if (terms && 'refused' in terms) {
      connection.fail(terms.refused.code, terms.refused.reason)
      return
    }
    const sessionId = `s-${randomUUID()}`
    const welcome = WelcomeMessage.safeParse({
      type: 'welcome',
      v: PROTOCOL_VERSION,
      sessionId,
      policy: terms?.policy,
      target: terms?.target,
    })
    if (!welcome.success) {
      const issue = welcome.error.issues[0]
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : ''
      connection.fail(CloseCode.internalError, `the VIM's welcome is invalid: ${where}${issue?.message}`)
      return
    }
    // Decided after the await, so that nothing can change the pins between this check and going live.
    if (!this.trusted(connection, hello)) return
    const previous = this.live.get(hello.vmName)
    if (previous && previous.remoteAddress !== connection.remoteAddress) {
      this.options.logger.warn(
        printable(
          `hub: ${hello.vmName} connected from ${connection.remoteAddress} with its agent key while live at ${previous.remoteAddress}; if these are two machines, a key file was copied: give each VM its own`,
        ),
      )
    }
    previous?.fail(
      CloseCode.duplicateAgent,
      `replaced by a newer session of ${hello.vmName} (same agent key) from ${connection.remoteAddress}`,
    )
    const session = new LiveSession(
      sessionId,
      hello,
      connection.remoteAddress,
      this.options.clock.now(),
      { write: (text) => connection.write(text), close: (code, reason) => connection.fail(code, reason) },
      this.options.clock,
      this.options.commandTimeoutMs,
    )
    this.live.set(hello.vmName, connection)
    connection.goLive(session, JSON.stringify(welcome.data))
    this.options.logger.info(printable(`hub: ${session.label} connected as session ${sessionId}`))
    this.emitter.emit('connected', session)
  }

  /** Admits a pinned key or pins an unknown name's key; refuses another key for a pinned name (4403). */
  private trusted(connection: AgentConnection, hello: HelloMessage): boolean {
    const { vmName } = hello
    const offered = hello.identity.publicKey
    let verdict: KeyVerdict
    try {
      verdict = this.options.agentKeys.admit(vmName, offered)
    } catch (error) {
      connection.fail(
        CloseCode.internalError,
        `the VIM could not record the agent's key: ${errorText(error)}`,
      )
      return false
    }
    if (!verdict.admitted) {
      const pinned = verdict.pin.fingerprint
      this.options.logger.warn(
        printable(
          `hub: ${vmName} is pinned to agent key ${pinned}; refused key ${publicKeyFingerprint(offered)} from ${connection.remoteAddress}`,
        ),
      )
      connection.fail(
        CloseCode.nameClaimed,
        `${vmName} is claimed by another agent (key ${shortFingerprint(pinned)}); forget its key in the VIM to let this one in`,
      )
      return false
    }
    if (verdict.pinnedNow) {
      this.options.logger.info(
        printable(`hub: trusting agent key ${verdict.pin.fingerprint} for ${vmName} (first use)`),
      )
    }
    return true
  }

  private received(session: LiveSession, message: AgentMessage): void {
    switch (message.type) {
      case 'report':
        this.emitter.emit('report', session, message)
        break
      case 'event':
        this.emitter.emit('event', session, message)
        break
      case 'ack':
        session.settle(message)
        this.emitter.emit('ack', session, message)
        break
    }
  }

  private ended(connection: AgentConnection, end: SessionEnd): void {
    const session = connection.session
    if (session) {
      if (this.live.get(session.vmName) === connection) this.live.delete(session.vmName)
      session.end(end)
      this.emitter.emit('disconnected', session, end)
    } else if (end.by === 'hub' && this.state === 'started') {
      const rejection = { code: end.code, reason: end.reason }
      const claimed = connection.claimedName
      this.emitter.emit(
        'rejected',
        connection.remoteAddress,
        claimed ? { ...rejection, vmName: claimed } : rejection,
      )
    }
  }

  // --- Connections ----------------------------------------------------------------------------------

  private whenUpgrade(request: IncomingMessage, socket: Socket, head: Buffer): void {
    // A reset during the upgrade must not become an unhandled 'error' event.
    socket.on('error', () => {})
    try {
      const remote = peerAddress(socket.remoteAddress)
      if (this.state !== 'started') {
        refuseUpgrade(socket, 'the VIM is shutting down')
        return
      }
      const pending = [...this.connections].filter((c) => c.phase === 'challenged' || c.phase === 'welcoming')
      if (pending.length >= this.options.maxPendingHandshakes) {
        const reason = `more than ${this.options.maxPendingHandshakes} connections are still authenticating`
        this.options.logger.warn(`hub: refused connection from ${remote}: ${reason} (HTTP 503)`)
        this.emitter.emit('rejected', remote, { code: 503, reason })
        refuseUpgrade(socket, reason)
        return
      }
      this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, remote))
    } catch (error) {
      this.options.logger.warn(`hub: upgrade failed: ${errorText(error)}`)
      socket.destroy()
    }
  }

  private accept(ws: WebSocket, remoteAddress: string): void {
    if (this.state !== 'started') {
      ws.on('error', () => {})
      ws.close(CloseCode.goingAway, 'the VIM is shutting down')
      return
    }
    const connection = new AgentConnection(ws, remoteAddress, this.host)
    this.connections.add(connection)
    void connection.whenGone().then(() => this.connections.delete(connection))
  }

  private async shutDown(): Promise<void> {
    const wasStarted = this.state === 'started'
    this.state = 'closing'
    const connections = [...this.connections]
    for (const connection of connections) connection.fail(CloseCode.goingAway, 'the VIM is shutting down')
    // Agents get the grace period to answer the close frame; the stragglers are cut.
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([
      Promise.all(connections.map((c) => c.whenGone())),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.options.closeGraceMs)
      }),
    ])
    clearTimeout(timer)
    for (const connection of this.connections) connection.terminate()
    await new Promise<void>((resolve) => this.wss.close(() => resolve()))
    const server = this.server
    if (wasStarted && server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    }
    this.state = 'closed'
  }
}

/** `SHA256:AB:CD:EF:01:23:45:67:89…`: enough to tell keys apart, short enough for a close frame. */
function shortFingerprint(fingerprint: string): string {
  return `${fingerprint.slice(0, 'SHA256:'.length + 8 * 3 - 1)}…`
}

function refuseUpgrade(socket: Socket, reason: string): void {
  const body = `${reason}\n`
  socket.end(
    `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}

/** The host part of the URL agents dial: loopback for a wildcard bind, brackets around IPv6. */
function urlHost(host: string): string {
  if (isWildcardHost(host)) return host.includes(':') ? '[::1]' : '127.0.0.1'
  return isIPv6(host) ? `[${host}]` : host
}
