// Kept-alive HTTP/1.1 connections to each backend for the lean path (pooled-exchange.ts): a request
// without a body is written as one string on an idle socket (or a new one), and its response read by
// response-parser.ts, with nothing else per request: no request or response objects, no streams, no
// wasm parser, no deferred write. One request per connection at a time (no pipelining); idle sockets are
// reused last-in first-out and closed before the backend's keep-alive timeout. A request whose reused
// socket turns out to have been closed by the backend before it read anything goes once more on a new
// connection, when its method is idempotent. Bounded waits: connect, response head, idle body. Node-only.
import { connect, type Socket } from 'node:net'
import { MovedDeadline } from './moved-deadline'
import { MalformedResponse, type ResponseHead, ResponseParser } from './response-parser'
import { IDEMPOTENT_METHODS } from './retry-rules'
import type { RelayEnd, UpstreamFailure } from './upstream-exchange'

/**
 * How an upstream request failed, in the exchange's own terms: before the head, as an UpstreamFailure
 * (health checks' 'backend-down' is the caller's); after it, as a relay that broke or stood still.
 * `code` beside it is the socket's or the parser's error code.
 */
export type UpstreamErrorKind =
  | Exclude<UpstreamFailure['kind'], 'backend-down'>
  | Extract<RelayEnd, 'idle-timeout' | 'broken'>

export interface UpstreamRequest {
  method: string
  path: string
  /** Flat [name, value, …], names in lower case, no hop-by-hop header (raw-heads.ts's upstreamHead). */
  headers: string[]
  /** From the request written to the response head. */
  headTimeoutMs: number
  /** The longest the body may stand still. */
  idleMs: number
}

/** What the caller hears, in this order: onConnect, then onHeaders, onData…, onComplete; or onError. */
export interface UpstreamHandler {
  /** The request is on a connected socket; `abort` ends it there, and nothing more is called. */
  onConnect(abort: () => void): void
  /** Returning false pauses the body until `resume`. */
  onHeaders(status: number, rawHeaders: string[], resume: () => void, statusText: string): boolean
  onData(chunk: Buffer): boolean
  onComplete(): void
  onError(kind: UpstreamErrorKind, code: string): void
}

/** An idle connection is closed this long before the backend's own keep-alive timeout ends it. */
const KEEP_ALIVE_MARGIN_MS = 1000
/** When the backend gives no keep-alive timeout (Node's servers say 5 s). */
const DEFAULT_KEEP_ALIVE_MS = 4000

type Deadline = 'connect' | 'head' | 'idle' | 'keep-alive'

interface Exchange {
  readonly request: UpstreamRequest
  readonly handler: UpstreamHandler
  /** Already sent again once, after a reused connection turned out closed. */
  resent: boolean
}

/** The connections to one backend. */
export class BackendConnections {
  /** Idle sockets, the most recently used last. */
  private readonly idle: Connection[] = []
  /** Connections carrying a request. */
  private readonly inUse = new Set<Connection>()
  private closed = false
  /** Sent for a request that names no host (an HTTP/1.0 client's). */
  readonly hostLine: string

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly connectMs: number,
  ) {
    this.hostLine = `host: ${host.includes(':') ? `[${host}]` : host}:${port}\r\n`
  }

  /** Requests under way. */
  get busy(): number {
    return this.inUse.size
  }

  /**
   * Sends a request; its outcome reaches `handler`. False, having done nothing, for a request this path
   * does not carry (one that expects 100-continue): the caller takes the general one.
   */
  dispatch(request: UpstreamRequest, handler: UpstreamHandler): boolean {
    const { headers } = request
    for (let i = 0; i < headers.length; i += 2) if (headers[i] === 'expect') return false
    const exchange: Exchange = { request, handler, resent: false }
    const reused = this.idle.pop()
    if (reused) {
      this.inUse.add(reused)
      reused.start(exchange, true)
    } else this.open(exchange)
    return true
  }

  /** Closes the idle connections; busy ones close when their response is read. `now`: also the busy ones. */
  close(now = false): void {
    this.closed = true
    for (const connection of this.idle.splice(0)) connection.destroy()
    if (now) for (const connection of [...this.inUse]) connection.destroy()
  }

  /** Called by a connection whose exchange ended; `reusable` when it may carry another request. */
  released(connection: Connection, reusable: boolean): void {
    this.inUse.delete(connection)
    if (reusable && !this.closed) this.idle.push(connection)
    else connection.destroy()
  }

  /** A reused connection was found closed before anything was read: the exchange goes on a new one. */
  resend(exchange: Exchange): void {
    exchange.resent = true
    this.open(exchange)
  }

  private open(exchange: Exchange): void {
    const connection = new Connection(this, this.connectMs)
    this.inUse.add(connection)
    connection.open(exchange)
  }

  forgetIdle(connection: Connection): void {
    const at = this.idle.indexOf(connection)
    if (at >= 0) this.idle.splice(at, 1)
  }
}

class Connection {
  private socket: Socket | undefined
  private exchange: Exchange | undefined
  private readonly parser: ResponseParser
  /** The exchange's socket carried an earlier request (so it may have been closed by the backend meanwhile). */
  private reused = false
  private connected = false
  private headRelayed = false
  private received = 0
  private keepAliveMs = DEFAULT_KEEP_ALIVE_MS
  private reusable = false
  /** Connect, head, idle or keep-alive: the one deadline running. */
  private readonly deadline = new MovedDeadline<Deadline>((kind) => this.expired(kind))

  constructor(
    private readonly owner: BackendConnections,
    private readonly connectMs: number,
  ) {
    this.parser = new ResponseParser({
      head: (head) => this.onHead(head),
      body: (chunk) => {
        const exchange = this.exchange
        if (!exchange) return
        this.deadline.arm('idle', exchange.request.idleMs)
        if (!exchange.handler.onData(chunk)) this.socket?.pause()
      },
      complete: (rest) => this.onComplete(rest),
    })
  }

  open(exchange: Exchange): void {
    this.exchange = exchange
    const socket = connect({ host: this.owner.host, port: this.owner.port, noDelay: true })
    this.socket = socket
    this.deadline.arm('connect', this.connectMs)
    socket.once('connect', () => {
      this.connected = true
      const current = this.exchange
      if (current) this.start(current, false)
    })
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('end', () => this.onClosed('ECONNRESET'))
    socket.on('error', (error: NodeJS.ErrnoException) => this.onClosed(error.code ?? 'ECONNRESET'))
    socket.on('close', () => this.onClosed('ECONNRESET'))
  }

  /** Writes the exchange's request on this connected socket. */
  start(exchange: Exchange, reused: boolean): void {
    this.exchange = exchange
    this.reused = reused
    this.headRelayed = false
    this.received = 0
    const { request, handler } = exchange
    this.parser.start(request.method)
    handler.onConnect(() => this.abort(exchange))
    // Aborted from onConnect (its client already left).
    if (this.exchange !== exchange) return
    let head = `${request.method} ${request.path} HTTP/1.1\r\n`
    const { headers } = request
    let hasHost = false
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const name = headers[i] as string
      if (name === 'host') hasHost = true
      head += `${name}: ${headers[i + 1]}\r\n`
    }
    if (!hasHost) head += this.owner.hostLine
    this.deadline.arm('head', request.headTimeoutMs)
    ;(this.socket as Socket).write(`${head}\r\n`, 'latin1')
  }

  destroy(): void {
    this.deadline.stop()
    this.socket?.destroy()
  }

  private abort(exchange: Exchange): void {
    if (this.exchange !== exchange) return
    this.exchange = undefined
    this.owner.released(this, false)
  }

  private onData(chunk: Buffer): void {
    if (!this.exchange) {
      // Nothing asked for it: the connection is out of step (or the backend is closing it).
      this.owner.forgetIdle(this)
      this.destroy()
      return
    }
    this.received += chunk.length
    try {
      this.parser.feed(chunk)
    } catch (error) {
      if (!(error instanceof MalformedResponse)) throw error
      this.fail(this.headRelayed ? 'broken' : 'reset', error.code)
    }
  }

  private onHead(head: ResponseHead): void {
    const exchange = this.exchange
    if (!exchange) return
    this.headRelayed = true
    this.reusable = head.keepAlive
    this.keepAliveMs = Math.max(
      0,
      (head.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS + KEEP_ALIVE_MARGIN_MS) - KEEP_ALIVE_MARGIN_MS,
    )
    this.deadline.arm('idle', exchange.request.idleMs)
    const resume = () => {
      if (this.exchange === exchange) this.socket?.resume()
    }
    if (!exchange.handler.onHeaders(head.status, head.rawHeaders, resume, head.statusText))
      this.socket?.pause()
  }

  private onComplete(rest: Buffer | undefined): void {
    const exchange = this.exchange
    if (!exchange) return
    this.exchange = undefined
    // Bytes beyond the response, or a backend that keeps no connection: this one carries nothing more.
    const reusable = this.reusable && rest === undefined && this.keepAliveMs > 0 && !this.socket?.destroyed
    if (reusable) {
      this.socket?.resume()
      this.deadline.arm('keep-alive', this.keepAliveMs)
    } else this.deadline.stop()
    this.owner.released(this, reusable)
    exchange.handler.onComplete()
  }

  /** The socket ended, failed or closed. */
  private onClosed(code: string): void {
    const exchange = this.exchange
    if (!exchange) {
      this.owner.forgetIdle(this)
      this.destroy()
      return
    }
    // A body that runs to the close is complete now.
    if (this.headRelayed && this.parser.end()) return
    if (!this.connected) {
      this.fail('connect-failed', code)
      return
    }
    // The backend closed a kept-alive socket just as it was reused: the request never reached it.
    if (
      this.reused &&
      this.received === 0 &&
      !exchange.resent &&
      IDEMPOTENT_METHODS.has(exchange.request.method)
    ) {
      this.exchange = undefined
      this.owner.released(this, false)
      this.owner.resend(exchange)
      return
    }
    this.fail(this.headRelayed ? 'broken' : 'reset', code)
  }

  private fail(kind: UpstreamErrorKind, code: string): void {
    const exchange = this.exchange
    if (!exchange) return
    this.exchange = undefined
    this.owner.released(this, false)
    exchange.handler.onError(kind, code)
  }

  private expired(kind: Deadline): void {
    if (kind === 'keep-alive') {
      this.owner.forgetIdle(this)
      this.destroy()
      return
    }
    const failure = kind === 'connect' ? 'connect-timeout' : kind === 'head' ? 'head-timeout' : 'idle-timeout'
    this.fail(failure, failure)
  }
}
