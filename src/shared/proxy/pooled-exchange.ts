// The lean path of one try for a request without a body (nearly all of them): kept-alive connections
// and handler callbacks (upstream-connections.ts) instead of a ClientRequest, an Agent and an
// IncomingMessage per request, which a profile showed to be most of a proxied request's cost. Same
// contract and bounded waits as exchange(): connect within connectMs (the connections'), response head
// within responseHeadMs, no idle body gap beyond idleMs. A request that never reached a connected socket
// can go elsewhere whole. Node-only.
import { type RelayedHead, relayedHead } from './raw-heads'
import type { UpstreamErrorKind, UpstreamHandler } from './upstream-connections'
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

/**
 * Forwards a bodyless `req` through `pools`; exactly one of the handlers' terminal callbacks runs, as
 * with exchange(). Returns undefined, having done nothing, when the lean path does not carry the request
 * (an `Expect` header), so that the caller takes the general path instead.
 */
export function pooledExchange(
  options: UpstreamExchange,
  pools: UpstreamPools,
  handlers: ExchangeHandlers,
): ExchangeControl | undefined {
  const { req, res, timeouts } = options
  let phase: Phase = 'waiting'
  let abortUpstream: (() => void) | undefined
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

  const handler: UpstreamHandler = {
    onConnect(abort) {
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
    onError(kind, code) {
      if (phase === 'waiting') {
        phase = 'done'
        res.off('close', onClientClose)
        handlers.failed(failureOf(kind, code))
        return
      }
      // A held 503 that broke is discarded or relayed by now; a relayed one ends here.
      if (phase !== 'relaying') return
      end(kind === 'idle-timeout' ? 'idle-timeout' : 'broken')
      res.destroy()
    },
  }

  const sent = pools.get(options.host, options.port, timeouts.connectMs).dispatch(
    {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: options.headers,
      headTimeoutMs: timeouts.responseHeadMs,
      idleMs: timeouts.idleMs,
    },
    handler,
  )
  if (!sent) return undefined
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

/** What the caller hears of a try that failed before its head. */
function failureOf(kind: UpstreamErrorKind, code: string): UpstreamFailure {
  switch (kind) {
    case 'connect-failed':
      return { kind: 'connect-failed', code }
    case 'connect-timeout':
      return { kind: 'connect-timeout' }
    case 'head-timeout':
      return { kind: 'head-timeout' }
    default:
      return { kind: 'reset', code }
  }
}
