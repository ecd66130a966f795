// Forwards HTTP and WebSocket traffic to the backend the balancer picks, for both the VIM front proxy
// and the agent's local proxy: one retry elsewhere for idempotent requests that could not connect,
// passive ejection through the pool, hop-by-hop headers dropped both ways, truthful X-Forwarded-* and
// Forwarded headers, and a JSON 503 when nothing is ready. Node-only: the renderer never imports this file.
import { Agent, type IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { TLSSocket } from 'node:tls'
import { createProxyServer } from 'http-proxy-3'
import type { BackendPool, RequestOutcome } from '../balancer'
import { clientAddress, TrustedProxies, withForwarding } from './forwarding'
import { isWebSocketUpgrade, upstreamRequestHeaders, withoutHopByHop } from './hop-by-hop'
import type { RequestMeter } from './request-meter'

export interface BackendAddress {
  host: string
  port: number
}

export interface BalancedProxyOptions {
  pool: BackendPool
  /** Where a backend id answers right now; undefined when it just left. */
  resolve(id: string): BackendAddress | undefined
  /** Said in the 503 body when no backend is ready, e.g. "No container is ready on VM lab-1 yet." */
  noBackendMessage(): string
  meter?: RequestMeter
  /** Upstream response timeout; long enough for the workload's /session requests. */
  proxyTimeoutMs?: number
  /** Peers whose forwarding headers are kept and extended; asked per request (it may change). */
  trustedProxies?: () => TrustedProxies
}

export interface BalancedProxy {
  web(req: IncomingMessage, res: ServerResponse): void
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void
  close(): void
}

const RETRYABLE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
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
  const agent = new Agent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 10_000 })
  // Forwarding headers are ours (withForwarding), not http-proxy's, which appends to whatever came in.
  const proxy = createProxyServer({ xfwd: false, agent, proxyTimeout: options.proxyTimeoutMs ?? 11 * 60_000 })
  // Errors are handled per call; this keeps an unexpected one from becoming an uncaught exception.
  proxy.on('error', () => {})
  // The backend's hop-by-hop headers describe its connection to us, not ours to the client. This runs
  // before http-proxy copies the headers; the client's connection stays open as Node decided for it.
  proxy.on('proxyRes', (proxyRes, _req, res) => {
    proxyRes.headers = withoutHopByHop(proxyRes.headers)
    if (res instanceof ServerResponse)
      proxyRes.headers.connection = res.shouldKeepAlive ? 'keep-alive' : 'close'
  })
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

  /**
   * Replaces the request's headers with what goes upstream (end-to-end headers, truthful forwarding
   * headers) and returns the client's address for the balancer's hash key.
   */
  function prepareUpstream(req: IncomingMessage): string | undefined {
    const trusted = trustedProxies()
    const peer = req.socket.remoteAddress
    const client = clientAddress(peer, req.headers['x-forwarded-for'], trusted)
    req.headers = withForwarding(upstreamRequestHeaders(req.method, req.headers), {
      peer,
      peerTrusted: trusted.has(peer),
      encrypted: req.socket instanceof TLSSocket,
    })
    return client
  }

  function web(req: IncomingMessage, res: ServerResponse): void {
    const hashKey = prepareUpstream(req)
    const tried = new Set<string>()
    const attempt = () => {
      const id = pool.pick(hashKey, { exclude: tried })
      const address = id === undefined ? undefined : options.resolve(id)
      if (id === undefined || address === undefined) {
        if (id !== undefined) pool.release(id, 'connect-failed')
        return sendJsonError(res, tried.size > 0 ? 502 : 503, options.noBackendMessage())
      }
      tried.add(id)
      const started = performance.now()
      let released = false
      const release = (outcome: RequestOutcome) => {
        if (released) return
        released = true
        pool.release(id, outcome)
        meter?.record(id, performance.now() - started, outcome === 'ok')
      }
      // An upstream failure is released by the error callback first; a client that hangs up mid-response
      // is not the backend's fault and must not count towards its ejection.
      res.once('close', () => release(res.statusCode >= 500 ? 'error' : 'ok'))

      proxy.web(req, res, { target: { host: address.host, port: address.port } }, (error) => {
        const code = (error as NodeJS.ErrnoException).code ?? ''
        const couldNotConnect = CONNECT_ERRORS.has(code) && !res.headersSent
        release(couldNotConnect ? 'connect-failed' : 'error')
        if (couldNotConnect && RETRYABLE_METHODS.has(req.method ?? 'GET') && tried.size < 2) return attempt()
        if (!res.headersSent) sendJsonError(res, 502, `The backend failed: ${error.message}`)
        else res.destroy()
      })
    }
    attempt()
  }

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Any other upgrade (h2c, or one `Connection` does not announce) is declined by serving the request
    // as plain HTTP/1.1, which RFC 9110 §7.8 allows; its Upgrade header never reaches the backend.
    if (!isWebSocketUpgrade(req.method, req.headers)) {
      servePlain(req, socket, head)
      return
    }
    const hashKey = prepareUpstream(req)
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
    close: () => {
      proxy.close()
      agent.destroy()
    },
  }
}

export function sendJsonError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) return void res.destroy()
  const code = status === 404 ? 'not_found' : status === 503 ? 'unavailable' : 'bad_gateway'
  const body = JSON.stringify({ error: { code, message } })
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...(status === 503 ? { 'Retry-After': '1' } : {}),
  })
  res.end(body)
}
