// The raw-list heads against the object rules they must agree with (hop-by-hop.ts, forwarding.ts).
import type { IncomingHttpHeaders } from 'node:http'
import { describe, expect, it } from 'vitest'
import { addForwarding, type ForwardingContext } from './forwarding'
import { upstreamRequestHeaders } from './hop-by-hop'
import { relayedHead, upstreamHead } from './raw-heads'
import { UNSERVED_HEADER } from './unserved'

/** What Node's parser makes of raw lines for these cases: lower-case names, repeated lines joined. */
function parsed(raw: string[]): IncomingHttpHeaders {
  const out: Record<string, string> = {}
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase()
    const value = raw[i + 1] as string
    if (name === 'host' || name === 'content-length') out[name] ??= value
    else if (name === 'cookie') out[name] = out[name] === undefined ? value : `${out[name]}; ${value}`
    else out[name] = out[name] === undefined ? value : `${out[name]}, ${value}`
  }
  return out
}

function asObject(lines: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i < lines.length; i += 2) out[lines[i] as string] = lines[i + 1] as string
  return out
}

const untrusted: ForwardingContext = { peer: '203.0.113.7', peerTrusted: false, encrypted: false }
const trusted: ForwardingContext = { peer: '10.0.0.2', peerTrusted: true, encrypted: true }

describe('upstreamHead', () => {
  it.each<[string, string[], ForwardingContext]>([
    ['a plain GET', ['Host', 'example.com:8080', 'Accept', '*/*', 'Connection', 'keep-alive'], untrusted],
    [
      'spoofed forwarding headers from an untrusted peer',
      ['Host', 'a', 'X-Forwarded-For', '1.2.3.4', 'Forwarded', 'for=1.2.3.4', 'X-Real-IP', '1.2.3.4'],
      untrusted,
    ],
    [
      "a trusted peer's chains, repeated lines included",
      [
        'Host',
        'a',
        'X-Forwarded-For',
        '198.51.100.1',
        'X-Forwarded-For',
        '10.0.0.9',
        'X-Forwarded-Proto',
        'https',
        'Forwarded',
        'for=198.51.100.1',
      ],
      trusted,
    ],
    [
      'what Connection lists, and the fixed hop-by-hop set',
      ['Host', 'a', 'Connection', 'close, X-Secret', 'X-Secret', 's', 'TE', 'trailers', 'Upgrade', 'h2c'],
      untrusted,
    ],
    ['a chunked body', ['Host', 'a', 'Transfer-Encoding', 'gzip, chunked'], untrusted],
    ['no Host', ['Accept', '*/*'], untrusted],
    ['two Cookie lines', ['Host', 'a', 'Cookie', 'a=1', 'Accept', '*/*', 'Cookie', 'b=2'], untrusted],
  ])('agrees with the object rules: %s', (_, raw, context) => {
    const expected = addForwarding(upstreamRequestHeaders('POST', parsed(raw)), context)
    expect(asObject(upstreamHead(raw, context).headers)).toEqual({ ...expected })
  })

  it('keeps the first Host and Content-Length, as Node does, and tells whether a body was announced', () => {
    const head = upstreamHead(['Host', 'a', 'Host', 'b', 'Content-Length', '0'], untrusted)
    expect(head.headers.filter((_, i) => i % 2 === 0 && head.headers[i] === 'host')).toHaveLength(1)
    expect(asObject(head.headers).host).toBe('a')
    expect(head.bodyless).toBe(true)
    expect(upstreamHead(['Content-Length', '3'], untrusted).bodyless).toBe(false)
    expect(upstreamHead(['Transfer-Encoding', 'chunked'], untrusted).bodyless).toBe(false)
  })

  it("hands back a trusted peer's X-Forwarded-For for finding the client, and nobody else's", () => {
    expect(upstreamHead(['X-Forwarded-For', '198.51.100.1'], trusted).forwardedFor).toBe('198.51.100.1')
    expect(upstreamHead(['X-Forwarded-For', '198.51.100.1'], untrusted).forwardedFor).toBeUndefined()
  })
})

describe('relayedHead', () => {
  it('drops hop-by-hop headers and what Connection lists, keeps repeated lines', () => {
    const head = relayedHead([
      'Content-Type',
      'text/plain',
      'Connection',
      'keep-alive, X-Internal',
      'Keep-Alive',
      'timeout=5',
      'X-Internal',
      'secret',
      'Set-Cookie',
      'a=1',
      'Set-Cookie',
      'b=2',
      'X-Served-By',
      'lab-1/c1',
    ])
    expect(head.headers).toEqual([
      'content-type',
      'text/plain',
      'set-cookie',
      'a=1',
      'set-cookie',
      'b=2',
      'x-served-by',
      'lab-1/c1',
    ])
    expect(head.servedBy).toBe('lab-1/c1')
    expect(head.unserved).toBe(false)
  })

  it('never relays the unserved marker, and says it was there', () => {
    const head = relayedHead([UNSERVED_HEADER, 'no-backend', 'Content-Length', '2'])
    expect(head.unserved).toBe(true)
    expect(head.headers).toEqual(['content-length', '2'])
  })
})
