// Headless transport of the control API: HTTP+JSON calls, a WebSocket event stream, and the renderer.
import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocket, WebSocketServer } from 'ws'
import { API_PREFIX, type ApiErrorBody, type ControlApi, httpStatusOf } from '../../shared/api/contract'
import { matchApiRoute } from '../../shared/api/routes'
import { errorMessage } from '../../shared/issues'
import { log } from '../log'
import { dispatchApiCall } from './dispatch'
import { type FeedSources, openEventFeed } from './event-feed'
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
}

export interface HttpApiServer {
  readonly port: number
  readonly server: Server
  close(): Promise<void>
}

export async function startHttpApiServer(options: HttpApiOptions): Promise<HttpApiServer> {
  const isToken = tokenMatcher(options.token)
  const streams = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })

  const server = createServer((req, res) => {
    handleRequest(req, res).catch((error) => {
      log.error(`HTTP ${req.method} ${req.url} failed`, error)
      if (!res.headersSent) sendError(res, 500, { code: 'internal', message: errorMessage(error) })
      else res.destroy()
    })
  })

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname.startsWith(`${API_PREFIX}/`)) return handleApi(req, res, url)
    if (url.pathname === '/metrics' && options.metrics) return handleMetrics(req, res, options.metrics)
    if (await serveStatic(options.rendererDir, url.pathname, req, res)) return
    sendError(res, 404, { code: 'not_found', message: `Nothing at ${url.pathname}.` })
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const route = matchApiRoute(req.method ?? 'GET', url.pathname)
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
    const isPublic = route.channel === 'health:get'
    if (!isPublic && !isToken(bearerToken(req))) {
      res.setHeader('WWW-Authenticate', 'Bearer')
      return sendError(res, 401, {
        code: 'unauthorized',
        message:
          'Missing or wrong API token: send "Authorization: Bearer TOKEN" (the token is in the UI line).',
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
    if (result.ok) return sendJson(res, 200, result.value)
    sendError(res, httpStatusOf[result.error.code], result.error)
  }

  async function handleMetrics(
    req: IncomingMessage,
    res: ServerResponse,
    metrics: NonNullable<HttpApiOptions['metrics']>,
  ): Promise<void> {
    if (!isToken(bearerToken(req))) {
      res.setHeader('WWW-Authenticate', 'Bearer')
      return sendError(res, 401, {
        code: 'unauthorized',
        message: 'GET /metrics needs "Authorization: Bearer TOKEN".',
      })
    }
    const { contentType, body } = await metrics()
    res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' })
    res.end(body)
  }

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname !== STREAM_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n')
      return
    }
    streams.handleUpgrade(req, socket, head, (ws) => acceptStream(ws, isToken(bearerToken(req))))
  })

  /** A browser cannot set headers on a WebSocket, so it proves the token in its first message. */
  function acceptStream(ws: WebSocket, alreadyAuthenticated: boolean): void {
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
      let message: { type?: unknown; token?: unknown }
      try {
        message = JSON.parse(data.toString())
      } catch {
        return ws.close(4400, 'expected JSON {"type":"auth","token":"..."}')
      }
      if (message.type !== 'auth' || typeof message.token !== 'string' || !isToken(message.token)) {
        return ws.close(4401, 'wrong API token')
      }
      start()
    })
    ws.on('close', () => {
      clearTimeout(authTimer)
      clearInterval(pingTimer)
      closeFeed?.()
    })
    ws.on('error', (error) => log.warn('UI stream error', error.message))
    if (alreadyAuthenticated) start()
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
