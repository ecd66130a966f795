// One try of one request against one backend, on node:http with bounded waits: the connection must be
// accepted within connectMs, the response head arrive within responseHeadMs of the request being sent,
// and the body never stand still for idleMs. The client's body is piped only once the upstream socket
// is connected, so a request that could not connect can go to another backend whole. Node-only.
import { type Agent, type ClientRequest, type IncomingMessage, request } from 'node:http'
import type { Socket } from 'node:net'
import type { ClientResponse, ProxiedRequest } from './lean-server'
import { pooledExchange } from './pooled-exchange'
import type { ProxyTimeouts } from './proxy-limits'
import { relayedHead } from './raw-heads'
import type { UpstreamPools } from './upstream-pools'

/** What went wrong before any byte of the response reached the client. */
export type UpstreamFailure =
  | { kind: 'connect-failed'; code: string }
  | { kind: 'connect-timeout' }
  /** The connection was closed or reset after it was accepted, before the response head. */
  | { kind: 'reset'; code: string }
  | { kind: 'head-timeout' }
  /** Health checks declared the backend down while this request waited for its head; given up on here. */
  | { kind: 'backend-down'; reason: string }

/** How an exchange whose head went to the client ended. */
export type RelayEnd = 'complete' | 'broken' | 'idle-timeout' | 'client-gone'

export interface UpstreamExchange {
  req: ProxiedRequest
  res: ClientResponse
  /** The head that goes upstream, flat [name, value, …] (raw-heads.ts's upstreamHead). */
  headers: string[]
  /** No body announced: the lean path may take it. */
  bodyless: boolean
  host: string
  port: number
  agent: Agent
  /** The lean path's connections, for requests without a body; every request takes the Agent when omitted. */
  pools?: UpstreamPools
  timeouts: ProxyTimeouts
  /** Hand a 503 carrying the unserved marker to `unserved` instead of relaying it. */
  interceptUnserved: boolean
  /** Told as a response head goes to the client, with its X-Served-By: one shared function, no closure. */
  onRelay?: ((res: ClientResponse, servedBy: string | undefined) => void) | undefined
}

export interface ExchangeHandlers {
  /** Nothing was relayed; the caller retries elsewhere or answers an error. */
  failed(failure: UpstreamFailure): void
  /** A marked 503: the caller, at once, either discards it (`discard()`) or relays it (`relay()`). */
  unserved(discard: () => void, relay: () => void): void
  /** The response head went to the client (relayed), and then the exchange ended like this. */
  ended(end: RelayEnd, status: number): void
  /** The client left before anything was relayed. */
  clientGone(): void
}

/** A running exchange, seen from its caller. */
export interface ExchangeControl {
  /** Ends the try as `failure` if nothing was relayed yet (the head had not come); whether it did. */
  abandon(failure: UpstreamFailure): boolean
}

/** Forwards `req` to the backend; exactly one of the handlers' terminal callbacks runs. */
export function exchange(options: UpstreamExchange, handlers: ExchangeHandlers): ExchangeControl {
  const { req, res, timeouts } = options
  const pooled =
    options.pools && options.bodyless ? pooledExchange(options, options.pools, handlers) : undefined
  if (pooled) return pooled
  let settled = false
  let timer: NodeJS.Timeout | undefined
  const clearTimer = () => {
    if (timer) clearTimeout(timer)
    timer = undefined
  }
  const settle = (): boolean => {
    if (settled) return false
    settled = true
    clearTimer()
    return true
  }

  let connected = false
  const upstream: ClientRequest = request({
    host: options.host,
    port: options.port,
    method: req.method,
    path: req.url,
    headers: options.headers,
    agent: options.agent,
  })

  const fail = (failure: UpstreamFailure) => {
    if (!settle()) return
    res.off('close', onClientClose)
    upstream.destroy()
    handlers.failed(failure)
  }
  const onClientClose = () => {
    if (!settle()) return
    upstream.destroy()
    handlers.clientGone()
  }
  res.once('close', onClientClose)

  upstream.on('error', (error: NodeJS.ErrnoException) => {
    const code = error.code ?? 'ERROR'
    fail(connected ? { kind: 'reset', code } : { kind: 'connect-failed', code })
  })

  const startSending = () => {
    connected = true
    clearTimer()
    if (settled) return
    upstream.once('finish', () => {
      if (settled) return
      timer = setTimeout(() => fail({ kind: 'head-timeout' }), timeouts.responseHeadMs)
    })
    // Only node:http's requests have a body (the lean server hands those to it).
    if (!options.bodyless) (req as IncomingMessage).pipe(upstream)
    else upstream.end()
  }
  upstream.once('socket', (socket: Socket) => {
    if (settled) return
    socket.setNoDelay(true)
    if (!socket.connecting) return startSending()
    timer = setTimeout(() => fail({ kind: 'connect-timeout' }), timeouts.connectMs)
    socket.once('connect', startSending)
  })

  upstream.once('response', (response: IncomingMessage) => {
    if (settled) return void response.resume()
    clearTimer()
    const head = relayedHead(response.rawHeaders)
    const relay = () => relayResponse(response, head.headers, head.servedBy)
    if (options.interceptUnserved && response.statusCode === 503 && head.unserved) {
      settle()
      res.off('close', onClientClose)
      handlers.unserved(
        () => response.resume(),
        () => {
          // The client may have left while the caller decided.
          if (!res.destroyed) return relay()
          response.resume()
          handlers.ended('client-gone', 503)
        },
      )
      return
    }
    relay()
  })

  function relayResponse(response: IncomingMessage, headers: string[], servedBy: string | undefined): void {
    // From here the head is the client's: whatever happens next ends the exchange, never a retry.
    settled = true
    res.off('close', onClientClose)
    const status = response.statusCode ?? 502
    let ended = false
    const end = (how: RelayEnd) => {
      if (ended) return
      ended = true
      clearTimer()
      handlers.ended(how, status)
    }
    writeRelayedHead(res, status, response.statusMessage, headers)
    options.onRelay?.(res, servedBy)
    timer = setTimeout(() => {
      end('idle-timeout')
      upstream.destroy()
      res.destroy()
    }, timeouts.idleMs)
    // The body by hand rather than pipe(): the same backpressure, without pipe's listeners on both
    // streams for every request.
    response.on('data', (chunk: Buffer) => {
      timer?.refresh()
      if (!res.write(chunk)) response.pause()
    })
    res.on('drain', () => response.resume())
    response.once('end', () => res.end())
    response.once('error', () => {
      end('broken')
      res.destroy()
    })
    response.once('close', () => {
      if (response.complete) return
      end('broken')
      res.destroy()
    })
    res.once('close', () => {
      if (res.writableFinished) return end('complete')
      end('client-gone')
      upstream.destroy()
    })
  }

  return {
    abandon: (failure) => {
      if (settled) return false
      fail(failure)
      return true
    },
  }
}

/**
 * The relayed head in one write of a header list (no per-header setHeader). The client's connection stays
 * as Node decided for it; said outright, Node adds no Keep-Alive hint.
 */
export function writeRelayedHead(
  res: ClientResponse,
  status: number,
  statusText: string | undefined,
  headers: string[],
): void {
  headers.push('connection', res.shouldKeepAlive ? 'keep-alive' : 'close')
  res.writeHead(status, statusText, headers)
}
