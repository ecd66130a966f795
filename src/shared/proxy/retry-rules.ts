// When a failed try may go to another backend, and what the client hears when it may not. Pure.
import type { RequestOutcome } from '../balancer'
import { secondsText } from '../duration-text'
import type { ProxyTimeouts } from './proxy-limits'
import type { UpstreamFailure } from './upstream-exchange'

/** Tries per request: the first and at most two more on other backends. */
export const MAX_ATTEMPTS = 3

/** Methods safe to send again when it is unknown whether the backend saw them. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS'])

export interface RequestShape {
  method: string
  /** No body announced: nothing of the request is lost by sending it again. */
  bodyless: boolean
}

/** A failure, or a 503 the backend marked "not served here". */
export type TryResult = UpstreamFailure | { kind: 'unserved' }

/**
 * Safe to send again elsewhere: a connection that never opened carried nothing (the body is piped only
 * after connect); a reset before the head, or a backend that health checks declared down while the request
 * waited, may have seen it, so only an idempotent bodyless request goes again; a head timeout never (the
 * backend may still be working on it); an unserved 503 means no container saw it, but a body already went
 * up, so only a bodyless request goes again.
 */
export function mayRetry(result: TryResult, request: RequestShape): boolean {
  switch (result.kind) {
    case 'connect-failed':
    case 'connect-timeout':
      return true
    case 'reset':
    case 'backend-down':
      return request.bodyless && IDEMPOTENT_METHODS.has(request.method)
    case 'head-timeout':
      return false
    case 'unserved':
      return request.bodyless
  }
}

/** What the balancer learns: only a connection that never opened counts as a connect failure. */
export function failureOutcome(failure: UpstreamFailure): RequestOutcome {
  return failure.kind === 'connect-failed' || failure.kind === 'connect-timeout' ? 'connect-failed' : 'error'
}

export interface ErrorAnswer {
  status: 502 | 504
  message: string
}

/** The client's answer for a failure, naming the backend (`lab-1`, `lab-1/acs-lab-1-3f2a`). */
export function failureAnswer(
  failure: UpstreamFailure,
  backend: string,
  timeouts: ProxyTimeouts,
): ErrorAnswer {
  switch (failure.kind) {
    case 'connect-failed':
      return {
        status: 502,
        message:
          failure.code === 'ECONNREFUSED'
            ? `${backend} refused the connection`
            : `${backend} could not be reached (${failure.code})`,
      }
    case 'connect-timeout':
      return {
        status: 504,
        message: `${backend} did not accept the connection within ${secondsText(timeouts.connectMs)}`,
      }
    case 'reset':
      return { status: 502, message: `${backend} closed the connection before answering (${failure.code})` }
    case 'head-timeout':
      return {
        status: 504,
        message: `${backend} did not answer within ${secondsText(timeouts.responseHeadMs)}`,
      }
    case 'backend-down':
      return {
        status: 502,
        message: `${backend} went out of service before answering (${failure.reason})`,
      }
  }
}
