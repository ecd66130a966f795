// Forwards HTTP and WebSocket traffic to the backend the balancer picks, for both the VIM front proxy
// and the agent's local proxy: bounded waits (connect, response head, idle body), a retry elsewhere
// only when that is safe, an in-flight limit per backend with a bounded FIFO queue beyond it, passive
// ejection through the pool, hop-by-hop headers dropped both ways, truthful X-Forwarded-* and Forwarded
// headers, and JSON errors that say what happened. Node-only: the renderer never imports this file.
import { Agent, type IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { TLSSocket } from 'node:tls'
import { createProxyServer } from 'http-proxy-3'
import type { BackendPool, RequestOutcome } from '../balancer'
import { secondsText } from '../duration-text'
import { AdmissionQueue, slotsFor, type Waiter } from './admission-queue'
import { addForwarding, clientAddress, type ForwardingContext, TrustedProxies } from './forwarding'
import { isWebSocketUpgrade, upstreamRequestHeaders, withoutHopByHop } from './hop-by-hop'
import type { ClientResponse, ProxiedRequest } from './lean-server'
import { upstreamHead } from './raw-heads'
import type { RequestMeter } from './request-meter'
import { failureAnswer, failureOutcome, MAX_ATTEMPTS, mayRetry, type RequestShape } from './retry-rules'
import { RETRY_AFTER_SECONDS, UNSERVED_HEADER, type UnservedReason } from './unserved'
import { exchange } from './upstream-exchange'
import { UpstreamPools } from './upstream-pools'

export interface BackendAddress {
  host: string
  port: number
}

export interface BalancedProxyOptions {
  /** The backends; its settings also hold this proxy's timeouts and queue limits. */
  pool: BackendPool
  /** Where a backend id answers right now; undefined when it just left. */
  resolve(id: string): BackendAddress | undefined
  /** How errors name a backend, e.g. "lab-1" or "lab-1/acs-lab-1-3f2a"; the id when omitted. */
  describe?(id: string): string
  /** Said in the 503 body when no backend is ready, e.g. "No container is ready on VM lab-1 yet." */
  noBackendMessage(): string
  /** Mark this proxy's own 503s "not served here" so the tier in front may retry them elsewhere (agent). */
  markUnserved?: boolean
  /** Retry a backend's marked 503 on another backend when that is safe (front). */
  retryUnserved?: boolean
  meter?: RequestMeter
  /** Peers whose forwarding headers are kept and extended; asked per request (it may change). */
  trustedProxies?: () => TrustedProxies
  /** Told as a backend's response head goes to the client, with its X-Served-By (the front's metrics). */
  onRelay?: (res: ClientResponse, servedBy: string | undefined) => void
}

export interface BalancedProxy {
  web(req: ProxiedRequest, res: ClientResponse): void
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Starts queued requests if backends have room again (e.g. after the backends changed). */
  wake(): void
  /** Requests waiting in the queue now. */
  queued(): number
  close(): void
}

const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
])

export function createBalancedProxy(options: BalancedProxyOptions): BalancedProxy {
  const { pool, meter } = options
  // Connections to backends are reused. The pool admits at most a backend's in-flight limit, so the
  // agent never needs more sockets than that: no cap of its own (which would queue requests inside it,
  // outside the bounded waits), and idle sockets kept up to the same number for the next burst.
  const agent = new Agent({
    keepAlive: true,
    keepAliveMsecs: 10_000,
    maxSockets: Number.POSITIVE_INFINITY,
    maxFreeSockets: Number.POSITIVE_INFINITY,
    scheduling: 'lifo',
  })
  // Requests without a body (nearly all) go through these pools; the agent carries the others.
  const pools = new UpstreamPools()
  // WebSockets only: plain HTTP goes through exchange(). Forwarding headers are ours (withForwarding).
  const proxy = createProxyServer({ xfwd: false, agent })
  // Errors are handled per call; this keeps an unexpected one from becoming an uncaught exception.
  proxy.on('error', () => {})
  proxy.on('proxyReqWs', (proxyReq) => {
    // Registered before http-proxy's own listeners, so the headers are clean when it writes them.
    proxyReq.on('upgrade', (proxyRes: IncomingMessage) => {
      proxyRes.headers = withoutHopByHop(proxyRes.headers, { keepWebSocketUpgrade: true })
    })
    proxyReq.on('response', (proxyRes: IncomingMessage) => {
      proxyRes.headers = withoutHopByHop(proxyRes.headers)
    })
  })

  const trustedProxies = () => options.trustedProxies?.() ?? TrustedProxies.none()
  const describe = (id: string) => options.describe?.(id) ?? id
  const queue = new AdmissionQueue(() => pool.settings.queue)
  const hasRoom = (weight: number, inFlight: number) => inFlight < slotsFor(weight, pool.settings.queue)
  /**
   * Per backend, the tries still waiting for their head, each with what to do if health checks declare
   * the backend down: a hung backend (a paused container) would otherwise hold them until the head timeout.
   */
  const waiting = new Map<string, Set<(reason: string) => void>>()
  const stopWatchingDowns = pool.onBackendDown((id, reason) => {
    for (const onDown of [...(waiting.get(id) ?? [])]) onDown(reason)
  })

  /** The facts about the client's connection that its forwarding headers are judged by. */
  function forwardingContext(req: ProxiedRequest, trusted: TrustedProxies): ForwardingContext {
    const peer = req.socket.remoteAddress
    return { peer, peerTrusted: trusted.has(peer), encrypted: req.socket instanceof TLSSocket }
  }

  function unserved(res: ClientResponse, reason: UnservedReason, message: string): void {
    sendJsonError(res, 503, message, options.markUnserved ? [UNSERVED_HEADER, reason] : [])
  }

  function web(req: ProxiedRequest, res: ClientResponse): void {
    const trusted = trustedProxies()
    const context = forwardingContext(req, trusted)
    // Built once from the raw lines, and sent as is on every try.
    const head = upstreamHead(req.rawHeaders, context)
    const hashKey = clientAddress(context.peer, head.forwardedFor, trusted)
    const shape: RequestShape = { method: req.method ?? 'GET', bodyless: head.bodyless }
    const tried = new Set<string>()
    /** Another backend for a retry, within the attempt limit; undefined when none has room. */
    const nextBackend = () =>
      tried.size < MAX_ATTEMPTS ? pool.pick(hashKey, { exclude: tried, hasRoom }) : undefined
    /** A retry that finds every other backend at its limit waits in the queue, as a new request would. */
    const mayWaitForRoom = () => tried.size < MAX_ATTEMPTS && pool.canServe(tried) && !queue.full
    const waitForRoom = () => {
      res.once('close', leftWhileQueued)
      queue.enqueue(waiter)
    }

    /** One try on `id`, already counted in flight by the pool. */
    const attempt = (id: string) => {
      tried.add(id)
      const address = options.resolve(id)
      const started = performance.now()
      let released = false
      let passedOnUnserved = false
      let stopWaiting: (() => void) | undefined
      const release = (outcome: RequestOutcome, served = outcome === 'ok') => {
        if (released) return
        released = true
        stopWaiting?.()
        pool.release(id, outcome)
        meter?.record(id, performance.now() - started, served)
        queue.drain()
      }
      const retryOr = (answer: () => void) => {
        const next = nextBackend()
        if (next !== undefined) attempt(next)
        else if (mayWaitForRoom()) waitForRoom()
        else answer()
      }
      if (!address) {
        release('connect-failed')
        return retryOr(() => unserved(res, 'no-backend', options.noBackendMessage()))
      }
      const timeouts = pool.settings.timeouts
      const control = exchange(
        {
          req,
          res,
          headers: head.headers,
          bodyless: head.bodyless,
          host: address.host,
          port: address.port,
          agent,
          pools,
          timeouts,
          interceptUnserved: !!options.retryUnserved,
          onRelay: options.onRelay,
        },
        {
          failed: (failure) => {
            release(failureOutcome(failure))
            const answer = failureAnswer(failure, describe(id), timeouts)
            const answerIt = () => sendJsonError(res, answer.status, answer.message)
            // Safe to send again but nothing else here can take it: the agent says so, and the front
            // proxy sends it to another VM (a container killed mid-request must not cost the request).
            if (!mayRetry(failure, shape)) answerIt()
            else if (options.markUnserved) retryOr(() => unserved(res, 'no-backend', answer.message))
            else retryOr(answerIt)
          },
          unserved: (discard, relay) => {
            // "No container saw it": not the VM's failure, so it must not count towards its ejection.
            const retry = mayRetry({ kind: 'unserved' }, shape)
            const next = retry ? nextBackend() : undefined
            if (next === undefined && !(retry && mayWaitForRoom())) {
              // Passed on as it came (without the marker); released when it ends.
              passedOnUnserved = true
              relay()
              return
            }
            discard()
            release('ok', false)
            if (next !== undefined) attempt(next)
            else waitForRoom()
          },
          ended: (end, status) => {
            if (passedOnUnserved) return release('ok', false)
            if (end === 'client-gone') return release('abandoned', true)
            release(end === 'complete' && status < 500 ? 'ok' : 'error')
          },
          clientGone: () => release('abandoned', true),
        },
      )
      // Given up on only where it is safe to send again and some other backend could take it.
      const onDown = (reason: string) => {
        if (mayRetry({ kind: 'backend-down', reason }, shape) && pool.canServe(tried))
          control.abandon({ kind: 'backend-down', reason })
      }
      if (released) return
      const onBackend = waiting.get(id) ?? new Set()
      waiting.set(id, onBackend.add(onDown))
      stopWaiting = () => {
        onBackend.delete(onDown)
        if (onBackend.size === 0 && waiting.get(id) === onBackend) waiting.delete(id)
      }
    }

    const waiter: Waiter = {
      tryStart: () => {
        if (res.destroyed) return true
        const id = pool.pick(hashKey, { exclude: tried, hasRoom })
        if (id === undefined) return false
        res.off('close', leftWhileQueued)
        attempt(id)
        return true
      },
      expire: () => {
        res.off('close', leftWhileQueued)
        unserved(
          res,
          'queue-wait',
          `Every backend stayed busy for ${secondsText(pool.settings.queue.maxWaitMs)}; retry in a moment.`,
        )
      },
    }
    const leftWhileQueued = () => queue.remove(waiter)
    // The usual case starts at once; only a request that waits needs to hear of its client leaving.
    if (queue.length === 0 && waiter.tryStart()) return
    res.once('close', leftWhileQueued)
    // Waiting only helps when some backend could take it once it has room.
    const turnedAway = !pool.canServe(tried) ? 'no-backend' : queue.enqueue(waiter) ? undefined : 'queue-full'
    if (turnedAway === undefined) return
    res.off('close', leftWhileQueued)
    if (turnedAway === 'no-backend') unserved(res, 'no-backend', options.noBackendMessage())
    else unserved(res, 'queue-full', 'Every backend is busy and the queue is full; retry in a moment.')
  }

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Any other upgrade (h2c, or one `Connection` does not announce) is declined by serving the request
    // as plain HTTP/1.1, which RFC 9110 §7.8 allows; its Upgrade header never reaches the backend.
    if (!isWebSocketUpgrade(req.method, req.headers)) {
      servePlain(req, socket, head)
      return
    }
    const trusted = trustedProxies()
    const context = forwardingContext(req, trusted)
    const hashKey = clientAddress(context.peer, req.headers['x-forwarded-for'], trusted)
    // http-proxy-3 sends req.headers: the end-to-end ones with this hop's forwarding set on them.
    req.headers = addForwarding(upstreamRequestHeaders(req.method, req.headers), context)
    const id = pool.pick(hashKey)
    const address = id === undefined ? undefined : options.resolve(id)
    if (id === undefined || address === undefined) {
      if (id !== undefined) pool.release(id, 'connect-failed')
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n')
      return
    }
    // A WebSocket counts as in flight for as long as it stays open.
    let released = false
    const release = (outcome: RequestOutcome) => {
      if (released) return
      released = true
      pool.release(id, outcome)
    }
    proxy.ws(req, socket, head, { target: { host: address.host, port: address.port } }, (error) => {
      release(CONNECT_ERRORS.has((error as NodeJS.ErrnoException).code ?? '') ? 'connect-failed' : 'error')
      socket.destroy()
    })
    socket.once('close', () => release('ok'))
  }

  /** Answers an upgrade request on its own socket as an ordinary request, then closes the connection. */
  function servePlain(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Node hands an upgrade request over without reading its body; one that has a body cannot be served.
    const length = req.headers['content-length']
    if (req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')) {
      const message = 'This server does not upgrade to that protocol; send the request without Upgrade.\n'
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(message)}\r\nConnection: close\r\n\r\n${message}`,
      )
      return
    }
    if (head.length > 0) socket.unshift(head)
    const res = new ServerResponse(req)
    res.shouldKeepAlive = false
    res.assignSocket(socket as Socket)
    res.once('finish', () => {
      res.detachSocket(socket as Socket)
      socket.end()
    })
    socket.once('error', () => socket.destroy())
    web(req, res)
  }

  return {
    web,
    upgrade,
    wake: () => queue.drain(),
    queued: () => queue.length,
    close: () => {
      queue.clear()
      stopWatchingDowns()
      proxy.close()
      agent.destroy()
      pools.close()
    },
  }
}

const ERROR_CODES: Record<number, string> = { 404: 'not_found', 503: 'unavailable', 504: 'timeout' }

/** A JSON error answer; `headers` are extra [name, value, …] lines. */
export function sendJsonError(
  res: ClientResponse,
  status: number,
  message: string,
  headers: string[] = [],
): void {
  if (res.headersSent || res.destroyed) return void res.destroy()
  const code = ERROR_CODES[status] ?? 'bad_gateway'
  const body = Buffer.from(JSON.stringify({ error: { code, message } }))
  const lines = ['Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(body.length)]
  lines.push('Cache-Control', 'no-store')
  if (status === 503) lines.push('Retry-After', String(RETRY_AFTER_SECONDS))
  lines.push(...headers)
  res.writeHead(status, undefined, lines)
  res.end(body)
}
