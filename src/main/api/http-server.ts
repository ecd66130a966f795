// Headless transport of the control API: HTTP+JSON calls, a WebSocket event stream, and the renderer.
import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer } from 'ws'
import {
  API_PREFIX,
  type ApiCallSpec,
  type ApiErrorBody,
  apiCalls,
  type ControlApi,
  httpStatusOf,
} from '../../shared/api/contract'
import { decodePathSegment, matchApiRoute } from '../../shared/api/routes'
import { errorMessage } from '../../shared/issues'
import { interfaceAddresses, isWildcardHost } from '../config/listen-address'
import { peerAddress } from '../hub/lb-address'
import { log } from '../log'
import { AuthLimiter } from './auth-limiter'
import { dispatchApiCall } from './dispatch'
import { type FeedSources, openEventFeed } from './event-feed'
import { allowedHosts, checkHost, checkOrigin } from './request-guard'
import { SECURITY_HEADERS, serveStatic } from './static-files'

export const STREAM_PATH = `${API_PREFIX}/stream`
const MAX_BODY_BYTES = 1024 * 1024
const STREAM_AUTH_TIMEOUT_MS = 5000
const STREAM_PING_MS = 15_000

export interface HttpApiOptions {
  api: ControlApi
  feed: FeedSources
  token: string
  /** Prometheus text at GET /metrics, behind the same token. */
  metrics?: () => Promise<{ contentType: string; body: string }>
  rendererDir: string
  host: string
  port: number
  /** Extra host names the UI may be reached under (--allowed-host, ACS_ALLOWED_HOSTS). */
  allowedHosts?: readonly string[]
  /** Counts failed authentication per client; one per server unless a test shares a clock. */
  authLimiter?: AuthLimiter
  now?: () => number
}

export interface HttpApiServer {
  readonly port: number
  readonly server: Server
  close(): Promise<void>
}

export async function startHttpApiServer(options: HttpApiOptions): Promise<HttpApiServer> {
  const isToken = tokenMatcher(options.token)
  const limiter = options.authLimiter ?? new AuthLimiter()
  const now = options.now ?? Date.now
  const hosts = allowedHosts({
    boundHost: options.host,
    configured: options.allowedHosts ?? [],
    interfaces: interfaceAddresses().map((entry) => entry.address),
    wildcard: isWildcardHost(options.host),
  })
  const streams = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })

  const server = createServer((req, res) => {
    handleRequest(req, res).catch((error) => {
      log.error(`HTTP ${req.method} ${req.url} failed`, error)
      if (!res.headersSent) sendError(res, 500, { code: 'internal', message: errorMessage(error) })
      else res.destroy()
    })
  })

  /** The checks every request and upgrade passes first, before auth: which site is asking. */
  function refusal(req: IncomingMessage): { status: number; error: ApiErrorBody } | undefined {
    const host = checkHost(req.headers.host, hosts)
    if (!host.ok) return { status: 421, error: { code: 'misdirected', message: host.message } }
    const changesState = !['GET', 'HEAD', 'OPTIONS'].includes(req.method ?? 'GET')
    if (changesState || req.headers.upgrade !== undefined) {
      const origin = checkOrigin(req.headers.origin, req.headers.host, hosts)
      if (!origin.ok) return { status: 403, error: { code: 'forbidden', message: origin.message } }
    }
    return undefined
  }

  /** 429 while the client has failed too often; otherwise whether its token is right (a failure counts). */
  function authenticate(req: IncomingMessage, token: string | undefined): 'ok' | 'wrong' | number {
    const client = peerAddress(req.socket.remoteAddress)
    const retryAfter = limiter.retryAfterSeconds(client, now())
    if (retryAfter > 0) return retryAfter
    if (isToken(token)) return 'ok'
    limiter.recordFailure(client, guessDigest(token), now())
    return 'wrong'
  }

  /** Answers 401 or 429 and returns false unless the request carries the token; `needs` says how to send it. */
  function authorized(req: IncomingMessage, res: ServerResponse, needs: string): boolean {
    const auth = authenticate(req, bearerToken(req))
    if (auth === 'ok') return true
    if (auth === 'wrong') {
      res.setHeader('WWW-Authenticate', 'Bearer')
      sendError(res, 401, { code: 'unauthorized', message: needs })
    } else {
      res.setHeader('Retry-After', String(auth))
      sendError(res, 429, { code: 'rate_limited', message: tooManyFailures(auth) })
    }
    return false
  }

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = refusal(req)
    if (refused) return sendError(res, refused.status, refused.error)
    const url = parseRequestUrl(req.url)
    if (!url)
      return sendError(res, 400, {
        code: 'invalid_input',
        message: 'The request target is not a valid path.',
      })
    if (url.pathname.startsWith(`${API_PREFIX}/`)) return handleApi(req, res, url)
    if (url.pathname === '/metrics' && options.metrics) return handleMetrics(req, res, options.metrics)
    if (decodePathSegment(url.pathname) === undefined) {
      return sendError(res, 400, {
        code: 'invalid_input',
        message: `The path ${url.pathname} has a malformed percent-encoding: write each byte as %XX (UTF-8).`,
      })
    }
    if (await serveStatic(options.rendererDir, url.pathname, req, res)) return
    sendError(res, 404, { code: 'not_found', message: `Nothing at ${url.pathname}.` })
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const route = matchApiRoute(req.method ?? 'GET', url.pathname)
    // Everything but the health check needs the token first, so a stranger learns nothing about paths.
    const isPublic = route.kind === 'call' && route.channel === 'health:get'
    const needs =
      'Missing or wrong API token: send "Authorization: Bearer TOKEN" (the token is in the UI line).'
    if (!isPublic && !authorized(req, res, needs)) return
    if (route.kind === 'malformed')
      return sendError(res, 400, { code: 'invalid_input', message: route.message })
    if (route.kind === 'none') {
      return sendError(res, 404, {
        code: 'not_found',
        message: `No API route ${req.method} ${url.pathname}.`,
      })
    }
    if (route.kind === 'method-not-allowed') {
      res.setHeader('Allow', route.allowed.join(', '))
      return sendError(res, 405, {
        code: 'not_found',
        message: `${url.pathname} accepts ${route.allowed.join(', ')}.`,
      })
    }
    let body: unknown = {}
    if (req.method !== 'GET' && req.method !== 'DELETE') {
      const parsed = await readJsonBody(req)
      if (!parsed.ok) return sendError(res, parsed.status, parsed.error)
      body = parsed.value
    }
    const query = req.method === 'GET' ? Object.fromEntries(url.searchParams) : {}
    const input = typeof body === 'object' && body !== null ? { ...query, ...body, ...route.params } : body
    const result = await dispatchApiCall(options.api, route.channel, input)
    const text = (apiCalls[route.channel] as ApiCallSpec).text
    // A text answer (YAML) unless the client asks for JSON, as the UI does: then the whole output.
    if (result.ok && text && !(req.headers.accept ?? '').includes('application/json')) {
      res.writeHead(200, { 'Content-Type': text.contentType, 'Cache-Control': 'no-store' })
      return void res.end((result.value as Record<string, string>)[text.field])
    }
    if (result.ok) return sendJson(res, 200, result.value)
    sendError(res, httpStatusOf[result.error.code], result.error)
  }

  async function handleMetrics(
    req: IncomingMessage,
    res: ServerResponse,
    metrics: NonNullable<HttpApiOptions['metrics']>,
  ): Promise<void> {
    if (!authorized(req, res, 'GET /metrics needs "Authorization: Bearer TOKEN".')) return
    const { contentType, body } = await metrics()
    res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' })
    res.end(body)
  }

  server.on('upgrade', (req, socket, head) => {
    const refused = refusal(req)
    if (refused) return refuseUpgrade(socket, refused.status, refused.error)
    const url = parseRequestUrl(req.url)
    if (url?.pathname !== STREAM_PATH) {
      return refuseUpgrade(socket, 404, { code: 'not_found', message: `No stream at ${req.url}.` })
    }
    streams.handleUpgrade(req, socket, head, (ws) => acceptStream(ws, req))
  })

  /** A browser cannot set headers on a WebSocket, so it proves the token in its first message. */
  function acceptStream(ws: WebSocket, req: IncomingMessage): void {
    let closeFeed: (() => void) | undefined
    let alive = true
    const authTimer = setTimeout(() => ws.close(4401, 'authentication timed out'), STREAM_AUTH_TIMEOUT_MS)
    const pingTimer = setInterval(() => {
      if (!alive) return ws.terminate()
      alive = false
      ws.ping()
    }, STREAM_PING_MS)

    const start = () => {
      clearTimeout(authTimer)
      ws.send(JSON.stringify({ type: 'ready' }))
      closeFeed = openEventFeed(options.feed, (event) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'event', ...event }))
      })
    }

    ws.on('pong', () => {
      alive = true
    })
    ws.on('message', (data) => {
      if (closeFeed) return // the stream is one-way once authenticated
      let message: unknown
      try {
        message = JSON.parse(data.toString())
      } catch {
        return ws.close(4400, 'expected JSON {"type":"auth","token":"..."}')
      }
      // Any JSON parses, `null` and numbers too; only an object is read, so none of them throws here.
      const { type, token } = typeof message === 'object' && message !== null ? (message as AuthMessage) : {}
      proveToken(type === 'auth' && typeof token === 'string' ? token : undefined)
    })
    ws.on('close', () => {
      clearTimeout(authTimer)
      clearInterval(pingTimer)
      closeFeed?.()
    })
    ws.on('error', (error) => log.warn('UI stream error', error.message))

    const proveToken = (token: string | undefined) => {
      const auth = authenticate(req, token)
      if (typeof auth === 'number') return ws.close(4429, tooManyFailures(auth))
      if (auth === 'wrong') return ws.close(4401, 'wrong API token')
      start()
    }
    // A token in the upgrade's header is proven at once, and counts against the limit like any other.
    const headerToken = bearerToken(req)
    if (headerToken !== undefined) proveToken(headerToken)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })

  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: async () => {
      for (const client of streams.clients) client.terminate()
      streams.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function tooManyFailures(retryAfter: number): string {
  return `Too many failed attempts with a wrong API token from this address: try again in ${retryAfter} s.`
}

/** The request target as a URL, or undefined for one that is not a path (e.g. `http://[`). */
function parseRequestUrl(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://localhost')
  } catch {
    return undefined
  }
}

/** Answers an upgrade that is not accepted with a plain HTTP response and a JSON error. */
function refuseUpgrade(socket: Duplex, status: number, error: ApiErrorBody): void {
  const body = JSON.stringify({ error })
  const reason = STATUS_CODES[status] ?? 'Refused'
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}

interface AuthMessage {
  type?: unknown
  token?: unknown
}

/** Tells wrong tokens apart without keeping them. */
function guessDigest(token: string | undefined): string {
  return token === undefined ? '' : createHash('sha256').update(token).digest('base64').slice(0, 16)
}

/** Constant-time comparison, so the token cannot be guessed byte by byte from response times. */
function tokenMatcher(token: string): (candidate: string | undefined) => boolean {
  const expected = createHash('sha256').update(token).digest()
  return (candidate) =>
    candidate !== undefined && timingSafeEqual(createHash('sha256').update(candidate).digest(), expected)
}

function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')
  return match?.[1]?.trim()
}

type BodyResult = { ok: true; value: unknown } | { ok: false; status: number; error: ApiErrorBody }

async function readJsonBody(req: IncomingMessage): Promise<BodyResult> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) {
      return { ok: false, status: 413, error: { code: 'invalid_input', message: 'Request body over 1 MiB.' } }
    }
    chunks.push(chunk as Buffer)
  }
  if (size === 0) return { ok: true, value: {} }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) }
  } catch {
    return {
      ok: false,
      status: 400,
      error: { code: 'invalid_input', message: 'The request body is not valid JSON.' },
    }
  }
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value)
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  })
  res.end(body)
}

function sendError(res: ServerResponse, status: number, error: ApiErrorBody): void {
  sendJson(res, status, { error })
}
