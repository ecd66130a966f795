// The lean server's request reader: the plain requests it takes, and everything it must leave to
// node:http (bodies, other protocols, and every head a lenient reading could get wrong).
import { describe, expect, it } from 'vitest'
import { readLeanRequest } from './request-head'
import { MAX_HEAD_BYTES } from './response-parser'

const PLAIN = 'GET /work?n=1 HTTP/1.1\r\nHost: lab.example\r\nUser-Agent: curl/8\r\nAccept:  */* \r\n\r\n'

describe('readLeanRequest', () => {
  it('reads a plain GET: method, target, raw header lines as sent, and where the head ends', () => {
    const next = 'GET /next HTTP/1.1\r\n'
    expect(readLeanRequest(PLAIN + next)).toEqual({
      kind: 'request',
      method: 'GET',
      target: '/work?n=1',
      rawHeaders: ['Host', 'lab.example', 'User-Agent', 'curl/8', 'Accept', '*/*'],
      keepAlive: true,
      length: PLAIN.length,
    })
  })

  it('is partial for every prefix of a head, whatever the cut', () => {
    for (let cut = 0; cut < PLAIN.length; cut++)
      expect(readLeanRequest(PLAIN.slice(0, cut)).kind).toBe('partial')
  })

  it('takes HEAD, OPTIONS and DELETE, and sees a request to close the connection', () => {
    for (const method of ['HEAD', 'OPTIONS', 'DELETE'])
      expect(readLeanRequest(`${method} / HTTP/1.1\r\nHost: a\r\n\r\n`)).toMatchObject({
        kind: 'request',
        method,
      })
    for (const connection of ['close', 'Close', 'keep-alive, close', 'TE,close'])
      expect(readLeanRequest(`GET / HTTP/1.1\r\nHost: a\r\nConnection: ${connection}\r\n\r\n`)).toMatchObject(
        {
          kind: 'request',
          keepAlive: false,
        },
      )
    expect(readLeanRequest('GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n')).toMatchObject({
      keepAlive: true,
    })
  })

  it('leaves requests with a body, another protocol or an interim answer to node:http', () => {
    const other = [
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi',
      'PUT / HTTP/1.1\r\nHost: a\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n',
      'GET / HTTP/1.0\r\nHost: a\r\n\r\n',
      'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
    ]
    for (const text of other) expect(readLeanRequest(text), text).toEqual({ kind: 'other' })
  })

  it('leaves every head a lenient reading could misread to node:http', () => {
    const other = [
      // Smuggling shapes: both framings, a framing header spelled oddly, two Hosts or none.
      'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
      'GET / HTTP/1.1\r\nUser-Agent: x\r\n\r\n',
      // Line ends and folding.
      'GET / HTTP/1.1\nHost: a\n\n',
      'GET / HTTP/1.1\r\nHost: a\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nX: 1\rY: 2\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n folded\r\n\r\n',
      '\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n',
      // Characters a field or name may not hold.
      'GET / HTTP/1.1\r\nHost: a\r\nX: a\u0000b\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nX: a\u007fb\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nX Y: 1\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\n: 1\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nno colon\r\n\r\n',
      // Request lines that are not plain origin-form HTTP/1.1.
      'get / HTTP/1.1\r\nHost: a\r\n\r\n',
      'BREW / HTTP/1.1\r\nHost: a\r\n\r\n',
      'GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n',
      'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n',
      'GET /a b HTTP/1.1\r\nHost: a\r\n\r\n',
      'GET  / HTTP/1.1\r\nHost: a\r\n\r\n',
      'GET /\u00e9 HTTP/1.1\r\nHost: a\r\n\r\n',
      'GET / HTTP/1.1 \r\nHost: a\r\n\r\n',
      'GET / HTTP/1.12\r\nHost: a\r\n\r\n',
    ]
    for (const text of other) expect(readLeanRequest(text), JSON.stringify(text)).toEqual({ kind: 'other' })
  })

  it('says "other" as soon as a bad line is complete, without waiting for the rest of the head', () => {
    expect(readLeanRequest('GET / HTTP/1.1\nHo')).toEqual({ kind: 'other' })
    expect(readLeanRequest('GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nX-')).toEqual({ kind: 'other' })
    expect(readLeanRequest('GET / HTTP/1.1\r\nX: a\rb')).toEqual({ kind: 'other' })
  })

  it('leaves a head over the limit, or with too many lines, to node:http (which answers 431)', () => {
    const long = `GET / HTTP/1.1\r\nHost: a\r\nX: ${'y'.repeat(MAX_HEAD_BYTES)}\r\n\r\n`
    expect(readLeanRequest(long)).toEqual({ kind: 'other' })
    expect(readLeanRequest(long.slice(0, MAX_HEAD_BYTES + 10))).toEqual({ kind: 'other' })
    const many = `GET / HTTP/1.1\r\nHost: a\r\n${'X: 1\r\n'.repeat(120)}\r\n`
    expect(readLeanRequest(many)).toEqual({ kind: 'other' })
  })

  it('keeps obs-text in values and trims only spaces and tabs around them', () => {
    expect(readLeanRequest('GET / HTTP/1.1\r\nHost: a\r\nX-Name: \t caf\u00e9 \t\r\n\r\n')).toMatchObject({
      rawHeaders: ['Host', 'a', 'X-Name', 'caf\u00e9'],
    })
  })
})
