// The lean path of one try for a request without a body (nearly all of them): undici's pool and its
// handler callbacks instead of a ClientRequest, an Agent and an IncomingMessage per request, which a
// profile showed to be most of a proxied request's cost. Same contract and bounded waits as exchange():
// connect within connectMs (the pool's), response head within responseHeadMs, no idle body gap beyond
// idleMs. A request that never reached a connected socket can go elsewhere whole. Node-only.
import type { Dispatcher } from 'undici'
import { type RelayedHead, relayedHead } from './raw-heads'
import {
  type ExchangeControl,
  type ExchangeHandlers,
  type RelayEnd,
  type UpstreamExchange,
  type UpstreamFailure,
  writeRelayedHead,
} from './upstream-exchange'
import type { UpstreamPools } from './upstream-pools'

type Phase = 'waiting' | 'held' | 'relaying' | 'discarded' | 'done'

/** The undici error codes that name a bounded wait running out. */
const CONNECT_TIMEOUT = 'UND_ERR_CONNECT_TIMEOUT'
const HEAD_TIMEOUT = 'UND_ERR_HEADERS_TIMEOUT'
const BODY_TIMEOUT = 'UND_ERR_BODY_TIMEOUT'

function errorCode(error: Error): string {
  const own = (error as NodeJS.ErrnoException).code
  const cause = ((error as { cause?: NodeJS.ErrnoException }).cause ?? undefined)?.code
  // undici's "other side closed" carries the socket's own code (ECONNRESET) as its cause when there is one.
  return own === 'UND_ERR_SOCKET' ? (cause ?? 'ECONNRESET') : (own ?? cause ?? 'ERROR')
}

/**
 * Forwards a bodyless `req` through `pools`; exactly one of the handlers' terminal callbacks runs, as
 * with exchange(). Returns undefined, having done nothing, when undici refuses the request up front (e.g.
 * an `Expect` header), so that the caller takes the general path instead.
 */
export function pooledExchange(
  options: UpstreamExchange,
  pools: UpstreamPools,
  handlers: ExchangeHandlers,
): ExchangeControl | undefined {
  const { req, res, timeouts } = options
  let phase: Phase = 'waiting'
  let connected = false
  let abortUpstream: ((reason?: Error) => void) | undefined
  /** The client left, or the caller gave up, before the connection was made: abort it once it is. */
  let abortOnConnect = false
  let status = 0
  let statusText = ''
  let head: RelayedHead | undefined
  let held: Buffer[] = []
  let heldComplete = false
  let resume: (() => void) | undefined

  const end = (how: RelayEnd) => {
    if (phase !== 'relaying') return
    phase = 'done'
    handlers.ended(how, status)
  }
  const onClientClose = () => {
    if (phase === 'waiting') {
      phase = 'done'
      abortOnConnect = true
      abortUpstream?.()
      handlers.clientGone()
    } else if (phase === 'relaying') {
      if (res.writableFinished) return end('complete')
      end('client-gone')
      abortUpstream?.()
    }
  }
  const onDrain = () => resume?.()

  function startRelay(): void {
    phase = 'relaying'
    const relayed = head as RelayedHead
    writeRelayedHead(res, status, statusText, relayed.headers)
    options.onRelay?.(res, relayed.servedBy)
    res.on('drain', onDrain)
    const chunks = held
    held = []
    for (const chunk of chunks) res.write(chunk)
    if (heldComplete) res.end()
  }

  const handler: Dispatcher.DispatchHandler = {
    onConnect(abort) {
      connected = true
      abortUpstream = abort
      if (abortOnConnect) abort()
    },
    onHeaders(statusCode, rawHeaders, resumeUpstream, text) {
      if (phase !== 'waiting') return true
      status = statusCode
      statusText = text
      resume = resumeUpstream
      head = relayedHead(rawHeaders)
      if (options.interceptUnserved && statusCode === 503 && head.unserved) {
        phase = 'held'
        // The caller decides at once: discard it (another backend takes the request) or relay it.
        handlers.unserved(
          () => {
            phase = 'discarded'
          },
          () => {
            if (!res.destroyed) return startRelay()
            phase = 'done'
            abortUpstream?.()
            handlers.ended('client-gone', 503)
          },
        )
        return true
      }
      startRelay()
      return true
    },
    onData(chunk) {
      if (phase === 'relaying') return res.write(chunk)
      if (phase === 'held') held.push(chunk)
      return true
    },
    onComplete() {
      if (phase === 'relaying') res.end()
      else if (phase === 'held') heldComplete = true
    },
    onError(error) {
      if (phase === 'waiting') {
        phase = 'done'
        res.off('close', onClientClose)
        const code = errorCode(error)
        let failure: UpstreamFailure
        if (!connected)
          failure = code === CONNECT_TIMEOUT ? { kind: 'connect-timeout' } : { kind: 'connect-failed', code }
        else failure = code === HEAD_TIMEOUT ? { kind: 'head-timeout' } : { kind: 'reset', code }
        handlers.failed(failure)
        return
      }
      if (phase !== 'relaying') return
      end(errorCode(error) === BODY_TIMEOUT ? 'idle-timeout' : 'broken')
      res.destroy()
    },
  }

  const pool = pools.get(options.host, options.port, timeouts.connectMs)
  try {
    pool.dispatch(
      {
        origin: undefined,
        path: req.url ?? '/',
        method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: options.headers,
        headersTimeout: timeouts.responseHeadMs,
        bodyTimeout: timeouts.idleMs,
      } as Dispatcher.DispatchOptions,
      handler,
    )
  } catch {
    return undefined
  }
  res.once('close', onClientClose)
  return {
    abandon: (failure) => {
      if (phase !== 'waiting') return false
      phase = 'done'
      res.off('close', onClientClose)
      abortOnConnect = true
      abortUpstream?.()
      handlers.failed(failure)
      return true
    },
  }
}
