// The client side of the proxies for the plainest requests, without node:http's per-request objects: at
// one connection, a minimal forwarder behind node:http's server took about 70 µs more CPU per request
// than the same forwarder reading its sockets directly (IncomingMessage, ServerResponse, their streams
// and events), a third of what a proxied request cost. Each connection the node:http server accepts
// starts here; requests that request-head.ts recognizes (bodyless GET/HEAD/OPTIONS/DELETE over HTTP/1.1,
// strictly formed) are read and answered on the socket directly, and at the first request that is
// anything else (a body, an upgrade, HTTP/1.0, a malformed or oversized head, a path the owner serves
// itself) the connection goes to node:http whole, with the bytes not yet served, and stays there.
// Node-only.
import { type Server, STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { MovedDeadline } from './moved-deadline'
import { readLeanRequest } from './request-head'
import { MAX_HEAD_BYTES } from './response-parser'

/** What the proxy reads of a request: node:http's IncomingMessage, or the lean server's. */
export interface ProxiedRequest {
  readonly method?: string | undefined
  readonly url?: string | undefined
  readonly rawHeaders: string[]
  readonly socket: Socket
}

/** What the proxy does with a response: node:http's ServerResponse, or the lean server's. */
export interface ClientResponse {
  statusCode: number
  /** Whether the connection stays open after this answer; may be turned off until the head is written. */
  shouldKeepAlive: boolean
  readonly headersSent: boolean
  readonly destroyed: boolean
  /** The whole answer was handed to the socket. */
  readonly writableFinished: boolean
  /** The head as a flat [name, value, …] list, written with the first body bytes. */
  writeHead(status: number, statusText: string | undefined, headers: string[]): unknown
  write(chunk: Buffer): boolean
  end(chunk?: string | Buffer): unknown
  destroy(): unknown
  /** 'close': the answer finished or the client left; 'drain': the socket takes more again. */
  on(event: 'close' | 'drain', listener: () => void): unknown
  once(event: 'close' | 'drain', listener: () => void): unknown
  off(event: 'close' | 'drain', listener: () => void): unknown
}

export interface LeanHandlers {
  /** Whether the lean path serves this target; node:http's request handler gets it (and the connection) if not. */
  takes(target: string): boolean
  handle(req: ProxiedRequest, res: ClientResponse): void
}

export interface LeanServing {
  /** Closes every idle connection, node:http's and the lean path's (server.closeIdleConnections for both). */
  closeIdle(): void
  /** Closes every connection at once. */
  closeAll(): void
}

type ConnectionListener = (this: Server, socket: Socket) => void

/**
 * Puts the lean path in front of `server`'s own handling of each connection it accepts. The server's
 * timeouts apply to both: headersTimeout to a head's arrival, keepAliveTimeout to an idle connection.
 */
export function serveLean(server: Server, handlers: LeanHandlers): LeanServing {
  const [nodeListener] = server.listeners('connection') as ConnectionListener[]
  if (!nodeListener) throw new Error('serveLean needs a node:http server with its connection handling')
  const connections = new Set<LeanConnection>()
  server.removeListener('connection', nodeListener)
  server.on('connection', (socket: Socket) => {
    connections.add(new LeanConnection(socket, server, handlers, connections, nodeListener))
  })
  return {
    closeIdle: () => {
      server.closeIdleConnections()
      for (const connection of connections) connection.closeIfIdle()
    },
    closeAll: () => {
      server.closeAllConnections()
      for (const connection of connections) connection.socket.destroy()
    },
  }
}

/** Node's Date header value, made at most once a second. */
let dateSecond = -1
let dateText = ''
function httpDate(): string {
  const now = Date.now()
  const second = Math.floor(now / 1000)
  if (second !== dateSecond) {
    dateSecond = second
    dateText = new Date(now).toUTCString()
  }
  return dateText
}

class LeanConnection {
  /** Bytes read (latin1) and not yet taken by a request. */
  private pending = ''
  private current: LeanResponse | undefined
  /** The head's or the idle deadline; none while a request is being answered. */
  private readonly deadline = new MovedDeadline<'head' | 'idle'>((kind) => this.expired(kind))

  constructor(
    readonly socket: Socket,
    private readonly server: Server,
    private readonly handlers: LeanHandlers,
    private readonly connections: Set<LeanConnection>,
    private readonly nodeListener: ConnectionListener,
  ) {
    socket.on('data', this.onData)
    socket.on('end', this.onEnd)
    socket.on('close', this.onClose)
    socket.on('error', this.onError)
    socket.on('drain', this.onDrain)
    this.arm('head')
  }

  /** Whether the server still takes new requests on kept-alive connections. */
  get accepting(): boolean {
    return this.server.listening
  }

  closeIfIdle(): void {
    if (this.current === undefined && this.pending === '') this.socket.destroy()
  }

  private readonly onData = (chunk: Buffer) => {
    this.pending += chunk.toString('latin1')
    if (this.current !== undefined) {
      // Pipelined: read on once this answer is out; a client far ahead waits.
      if (this.pending.length > MAX_HEAD_BYTES) this.socket.pause()
      return
    }
    this.next()
  }

  /** Serves the next request in `pending`, hands the connection over, or waits for more. */
  private next(): void {
    if (this.pending === '') {
      this.arm('idle')
      return
    }
    const head = readLeanRequest(this.pending)
    if (head.kind === 'partial') {
      // The time for a head counts from its first byte.
      if (this.deadline.current !== 'head') this.arm('head')
      return
    }
    if (head.kind === 'other' || !this.handlers.takes(head.target)) {
      this.handOver()
      return
    }
    this.pending = this.pending.slice(head.length)
    this.deadline.clear()
    const res = new LeanResponse(this, head.method, head.keepAlive)
    this.current = res
    this.handlers.handle(
      { method: head.method, url: head.target, rawHeaders: head.rawHeaders, socket: this.socket },
      res,
    )
  }

  /** The answer went out whole: the next request, or the end of the connection. */
  finished(res: LeanResponse): void {
    if (this.current !== res) return
    this.current = undefined
    res.writableFinished = true
    res.emit('close')
    if (!res.keptAlive) {
      this.socket.end()
      return
    }
    if (this.socket.isPaused()) this.socket.resume()
    this.next()
  }

  /** node:http takes the connection from here, with the bytes not yet served; it never comes back. */
  private handOver(): void {
    const { socket } = this
    this.deadline.stop()
    this.connections.delete(this)
    socket.off('data', this.onData)
    socket.off('end', this.onEnd)
    socket.off('close', this.onClose)
    socket.off('error', this.onError)
    socket.off('drain', this.onDrain)
    socket.pause()
    if (this.pending !== '') socket.unshift(Buffer.from(this.pending, 'latin1'))
    this.pending = ''
    this.nodeListener.call(this.server, socket)
    // node:http reads through the stream too: what was put back flows to its parser first.
    socket.resume()
  }

  /** The client stopped sending: as node:http does by default, a request in progress counts as abandoned. */
  private readonly onEnd = () => {
    if (this.current === undefined) this.socket.end()
    else this.socket.destroy()
  }

  private readonly onClose = () => {
    this.deadline.stop()
    this.connections.delete(this)
    const res = this.current
    this.current = undefined
    res?.gone()
  }

  /** A reset or a write to a closed peer: 'close' follows, which is where it is handled. */
  private readonly onError = () => {}

  private readonly onDrain = () => {
    this.current?.emit('drain')
  }

  /** The head's deadline (headersTimeout) while one arrives, the idle one (keepAliveTimeout) between requests. */
  private arm(kind: 'head' | 'idle'): void {
    const ms = kind === 'head' ? this.server.headersTimeout : this.server.keepAliveTimeout
    if (ms > 0) this.deadline.arm(kind, ms)
    else this.deadline.clear()
  }

  /** As node:http does: a head that did not arrive in time gets 408; an idle connection just closes. */
  private expired(kind: 'head' | 'idle'): void {
    if (kind === 'head' && this.pending !== '') {
      this.socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n')
    } else this.socket.destroy()
  }

  write(data: string | Buffer, done?: (error?: Error | null) => void): boolean {
    return this.socket.write(data, 'latin1', done)
  }
}

type ResponseEvent = 'close' | 'drain'
interface Listener {
  event: ResponseEvent
  listener: () => void
  once: boolean
}

/** Bodies up to this size are copied behind the head, so that both go in one plain write. */
const SMALL_BODY_BYTES = 4096

/** No body follows the head: HEAD answers, 1xx, 204 and 304. */
const bodyless = (method: string, status: number) =>
  method === 'HEAD' || status < 200 || status === 204 || status === 304

class LeanResponse implements ClientResponse {
  statusCode = 200
  headersSent = false
  destroyed = false
  /** Set by the connection once everything was handed to the socket, just before 'close'. */
  writableFinished = false
  /** Whether the connection stays open, as the head said. */
  keptAlive = false
  private ended = false
  /** The head, kept until the first body bytes so that both go in one write. */
  private head = ''
  private framing: 'length' | 'chunked' | 'none' = 'none'
  /** Its two events, without EventEmitter's generic machinery for an object made per request. */
  private listeners: Listener[] = []

  constructor(
    private readonly connection: LeanConnection,
    private readonly method: string,
    private keepAlive: boolean,
  ) {}

  get shouldKeepAlive(): boolean {
    return this.keepAlive && this.connection.accepting
  }

  set shouldKeepAlive(value: boolean) {
    if (!this.headersSent) this.keepAlive = value
  }

  writeHead(status: number, statusText: string | undefined, headers: string[]): this {
    if (this.headersSent) throw new Error('The head of this answer was already written')
    this.statusCode = status
    this.headersSent = true
    let head = `HTTP/1.1 ${status} ${statusText || STATUS_CODES[status] || 'unknown'}\r\n`
    let length = false
    let date = false
    let connection: string | undefined
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const name = headers[i] as string
      const value = headers[i + 1] as string
      const lower = name.length <= 14 ? name.toLowerCase() : ''
      if (lower === 'connection') {
        connection = value
        continue
      }
      if (lower === 'content-length') length = true
      else if (lower === 'date') date = true
      head += `${name}: ${value}\r\n`
    }
    this.keptAlive = this.shouldKeepAlive && connection?.toLowerCase() !== 'close'
    head += this.keptAlive ? 'Connection: keep-alive\r\n' : 'Connection: close\r\n'
    if (!date) head += `Date: ${httpDate()}\r\n`
    if (bodyless(this.method, status)) this.framing = 'none'
    else if (length) this.framing = 'length'
    else {
      this.framing = 'chunked'
      head += 'Transfer-Encoding: chunked\r\n'
    }
    this.head = `${head}\r\n`
    return this
  }

  write(chunk: Buffer): boolean {
    if (this.destroyed || this.ended) return false
    if (!this.headersSent) this.writeHead(this.statusCode, undefined, [])
    if (this.framing === 'none' || chunk.length === 0) return this.flushHead()
    const head = this.head
    this.head = ''
    if (this.framing === 'length') {
      if (head === '') return this.connection.write(chunk)
      if (chunk.length > SMALL_BODY_BYTES) {
        this.connection.socket.cork()
        this.connection.write(head)
        const ok = this.connection.write(chunk)
        this.connection.socket.uncork()
        return ok
      }
      // A small answer in one buffer and one write, without the stream's writev path.
      const whole = Buffer.allocUnsafe(head.length + chunk.length)
      whole.write(head, 0, 'latin1')
      chunk.copy(whole, head.length)
      return this.connection.write(whole)
    }
    this.connection.socket.cork()
    this.connection.write(`${head}${chunk.length.toString(16)}\r\n`)
    this.connection.write(chunk)
    const ok = this.connection.write('\r\n')
    this.connection.socket.uncork()
    return ok
  }

  end(chunk?: string | Buffer): this {
    if (this.destroyed || this.ended) return this
    const body = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    if (!this.headersSent)
      this.writeHead(this.statusCode, undefined, body ? ['Content-Length', String(body.length)] : [])
    if (body !== undefined && body.length > 0) this.write(body)
    const last = this.framing === 'chunked' ? `${this.head}0\r\n\r\n` : this.head
    this.head = ''
    this.ended = true
    const { socket } = this.connection
    // Everything already went to the kernel: finished now (after this call returns). Otherwise the last
    // write's callback says so once all earlier ones went out too; a write that failed is the connection
    // closing, which 'close' handles.
    if (last === '' && socket.writableLength === 0) queueMicrotask(() => this.connection.finished(this))
    else
      this.connection.write(last, (error) => {
        if (!error) this.connection.finished(this)
      })
    return this
  }

  destroy(): this {
    if (this.destroyed) return this
    this.destroyed = true
    this.connection.socket.destroy()
    return this
  }

  on(event: ResponseEvent, listener: () => void): this {
    this.listeners.push({ event, listener, once: false })
    return this
  }

  once(event: ResponseEvent, listener: () => void): this {
    this.listeners.push({ event, listener, once: true })
    return this
  }

  off(event: ResponseEvent, listener: () => void): this {
    const at = this.listeners.findIndex((l) => l.event === event && l.listener === listener)
    if (at >= 0) this.listeners.splice(at, 1)
    return this
  }

  emit(event: ResponseEvent): void {
    const called = this.listeners.filter((l) => l.event === event)
    if (called.some((l) => l.once))
      this.listeners = this.listeners.filter((l) => !(l.once && l.event === event))
    for (const { listener } of called) listener()
  }

  /** The connection closed before the answer went out whole. */
  gone(): void {
    this.destroyed = true
    this.emit('close')
  }

  /** The head alone, when no body bytes come with it. */
  private flushHead(): boolean {
    if (this.head === '') return true
    const head = this.head
    this.head = ''
    return this.connection.write(head)
  }
}
