// Table tests of the hop-by-hop rules (RFC 9110 §7.6.1).
import { describe, expect, it } from 'vitest'
import {
  connectionListed,
  HOP_BY_HOP_HEADERS,
  isWebSocketUpgrade,
  upstreamRequestHeaders,
  withoutHopByHop,
} from './hop-by-hop'

const plain = (headers: object) => ({ ...headers })

describe('withoutHopByHop', () => {
  it.each(HOP_BY_HOP_HEADERS.map((name) => [name]))('drops %s', (name) => {
    expect(plain(withoutHopByHop({ host: 'a', [name]: 'x', accept: '*/*' }))).toEqual({
      host: 'a',
      accept: '*/*',
    })
  })

  it.each<[string, string[]]>([
    ['close, X-Secret', ['x-secret']],
    ['X-Secret,  x-other ', ['x-secret', 'x-other']],
    ['keep-alive, X-A,X-B', ['x-a', 'x-b']],
  ])('drops what Connection: %s lists', (connection, listed) => {
    const headers = { connection, 'x-secret': '1', 'x-other': '2', 'x-a': '3', 'x-b': '4', 'x-kept': 'yes' }
    const out = plain(withoutHopByHop(headers))
    for (const name of listed) expect(out).not.toHaveProperty(name)
    expect(out).toMatchObject({ 'x-kept': 'yes' })
    expect(out).not.toHaveProperty('connection')
  })

  it('keeps the end-to-end headers, including Content-Length, Authorization and cookies', () => {
    const headers = {
      'content-length': '3',
      authorization: 'Bearer t',
      cookie: 'a=b',
      'set-cookie': ['x', 'y'],
    }
    expect(plain(withoutHopByHop(headers))).toEqual(headers)
  })

  it('keeps only the WebSocket upgrade itself on a handshake', () => {
    const headers = {
      connection: 'Upgrade, X-Secret',
      upgrade: 'websocket',
      'x-secret': '1',
      'sec-websocket-key': 'k',
    }
    expect(plain(withoutHopByHop(headers, { keepWebSocketUpgrade: true }))).toEqual({
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-key': 'k',
    })
  })

  it('keeps a header named __proto__ as a header, not a prototype', () => {
    const headers = JSON.parse('{"__proto__": "x", "accept": "a"}')
    const out = withoutHopByHop(headers)
    expect(Object.keys(out)).toEqual(['__proto__', 'accept'])
  })
})

describe('connectionListed', () => {
  it('reads the tokens in lower case and skips empty ones', () => {
    expect(connectionListed(' Close ,,Upgrade')).toEqual(['close', 'upgrade'])
    expect(connectionListed(undefined)).toEqual([])
  })
})

describe('isWebSocketUpgrade', () => {
  it.each([
    ['GET', { connection: 'Upgrade', upgrade: 'websocket' }, true],
    ['GET', { connection: 'keep-alive, Upgrade', upgrade: 'WebSocket' }, true],
    ['POST', { connection: 'Upgrade', upgrade: 'websocket' }, false],
    ['GET', { connection: 'Upgrade, HTTP2-Settings', upgrade: 'h2c' }, false],
    ['GET', { upgrade: 'websocket' }, false],
  ])('%s %o → %s', (method, headers, expected) => {
    expect(isWebSocketUpgrade(method, headers)).toBe(expected)
  })
})

describe('upstreamRequestHeaders', () => {
  it('drops Upgrade: h2c from a plain request', () => {
    const out = plain(
      upstreamRequestHeaders('GET', {
        connection: 'Upgrade, HTTP2-Settings',
        upgrade: 'h2c',
        'http2-settings': 'AAM',
      }),
    )
    expect(out).toEqual({})
  })

  it("chunks a body of unknown length again instead of passing the client's Transfer-Encoding", () => {
    expect(plain(upstreamRequestHeaders('POST', { 'transfer-encoding': 'gzip, chunked' }))).toEqual({
      'transfer-encoding': 'chunked',
    })
  })

  it('passes a WebSocket handshake with its upgrade and nothing else hop-by-hop', () => {
    const out = plain(
      upstreamRequestHeaders('GET', {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'proxy-authorization': 'Basic x',
      }),
    )
    expect(out).toEqual({ connection: 'Upgrade', upgrade: 'websocket' })
  })
})
