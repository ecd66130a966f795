import { describe, expect, it } from 'vitest'
import { DEFAULT_PROXY_TIMEOUTS } from './proxy-limits'
import { failureAnswer, failureOutcome, mayRetry, type TryResult } from './retry-rules'

const get = { method: 'GET', bodyless: true }
const deleteBodyless = { method: 'DELETE', bodyless: true }
const postWithBody = { method: 'POST', bodyless: false }

describe('mayRetry', () => {
  it.each<[string, TryResult, typeof get, boolean]>([
    ['refused GET', { kind: 'connect-failed', code: 'ECONNREFUSED' }, get, true],
    [
      'refused POST with a body (nothing was sent)',
      { kind: 'connect-failed', code: 'ECONNREFUSED' },
      postWithBody,
      true,
    ],
    ['connect timeout, POST', { kind: 'connect-timeout' }, postWithBody, true],
    ['reset before the head, GET', { kind: 'reset', code: 'ECONNRESET' }, get, true],
    ['reset before the head, bodyless DELETE', { kind: 'reset', code: 'ECONNRESET' }, deleteBodyless, false],
    ['reset before the head, POST with a body', { kind: 'reset', code: 'ECONNRESET' }, postWithBody, false],
    ['head timeout, GET', { kind: 'head-timeout' }, get, false],
    ['declared down while waiting, GET', { kind: 'backend-down', reason: 'paused' }, get, true],
    [
      'declared down while waiting, POST with a body',
      { kind: 'backend-down', reason: 'paused' },
      postWithBody,
      false,
    ],
    ['unserved 503, bodyless DELETE', { kind: 'unserved' }, deleteBodyless, true],
    ['unserved 503, POST with a body', { kind: 'unserved' }, postWithBody, false],
  ])('%s → %s', (_name, result, request, expected) => {
    expect(mayRetry(result, request)).toBe(expected)
  })
})

describe('failureOutcome and failureAnswer', () => {
  it('counts only a connection that never opened as a connect failure', () => {
    expect(failureOutcome({ kind: 'connect-timeout' })).toBe('connect-failed')
    expect(failureOutcome({ kind: 'head-timeout' })).toBe('error')
    expect(failureOutcome({ kind: 'reset', code: 'ECONNRESET' })).toBe('error')
  })

  it('names the backend and the wait', () => {
    const t = DEFAULT_PROXY_TIMEOUTS
    expect(failureAnswer({ kind: 'head-timeout' }, 'lab-1/acs-lab-1-3f2a', t)).toEqual({
      status: 504,
      message: 'lab-1/acs-lab-1-3f2a did not answer within 30 s',
    })
    expect(failureAnswer({ kind: 'connect-timeout' }, 'lab-2', t)).toEqual({
      status: 504,
      message: 'lab-2 did not accept the connection within 5 s',
    })
    expect(failureAnswer({ kind: 'connect-failed', code: 'EHOSTUNREACH' }, 'lab-2', t).status).toBe(502)
    expect(
      failureAnswer(
        { kind: 'backend-down', reason: 'GET /healthz timed out after 1 s' },
        'lab-2/acs-lab-2-9c1d',
        t,
      ),
    ).toEqual({
      status: 502,
      message: 'lab-2/acs-lab-2-9c1d went out of service before answering (GET /healthz timed out after 1 s)',
    })
  })
})
