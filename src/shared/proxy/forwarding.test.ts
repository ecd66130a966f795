// Table tests of the forwarding headers: spoofed ones replaced, a trusted proxy's chain kept.
import { describe, expect, it } from 'vitest'
import { clientAddress, plainAddress, TrustedProxies, withForwarding } from './forwarding'

function trusted(...entries: string[]): TrustedProxies {
  const parsed = TrustedProxies.parse(entries)
  if (!parsed.ok) throw new Error(parsed.message)
  return parsed.trusted
}

const spoofed = {
  host: 'shop.example:8080',
  'x-forwarded-for': '1.2.3.4',
  'x-forwarded-host': 'evil.example',
  'x-forwarded-proto': 'https',
  'x-forwarded-port': '443',
  'x-real-ip': '1.2.3.4',
  forwarded: 'for=1.2.3.4;proto=https',
}

describe('withForwarding', () => {
  it("replaces an untrusted client's claims with what the connection says", () => {
    const out = withForwarding(spoofed, { peer: '203.0.113.7', peerTrusted: false, encrypted: false })
    expect({ ...out }).toEqual({
      host: 'shop.example:8080',
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-host': 'shop.example:8080',
      'x-forwarded-proto': 'http',
      'x-forwarded-port': '8080',
      forwarded: 'for=203.0.113.7;host="shop.example:8080";proto=http',
    })
  })

  it("keeps a trusted proxy's chain and appends this hop", () => {
    const out = withForwarding(spoofed, { peer: '10.0.0.2', peerTrusted: true, encrypted: false })
    expect(out).toMatchObject({
      'x-forwarded-for': '1.2.3.4, 10.0.0.2',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'https',
      'x-forwarded-port': '443',
      'x-real-ip': '1.2.3.4',
      forwarded: 'for=1.2.3.4;proto=https, for=10.0.0.2;host="shop.example:8080";proto=http',
    })
  })

  it('fills in what a trusted proxy left out', () => {
    const out = withForwarding(
      { host: 'a.example' },
      { peer: '10.0.0.2', peerTrusted: true, encrypted: true },
    )
    expect(out).toMatchObject({
      'x-forwarded-for': '10.0.0.2',
      'x-forwarded-host': 'a.example',
      'x-forwarded-proto': 'https',
      'x-forwarded-port': '443',
    })
  })

  it('drops forwarding headers in any letter case and writes IPv6 peers as RFC 7239 nodes', () => {
    const out = withForwarding(
      { 'X-Forwarded-For': '1.2.3.4', Forwarded: 'for=1.2.3.4' },
      { peer: '::1', peerTrusted: false, encrypted: false },
    )
    expect({ ...out }).toMatchObject({ 'x-forwarded-for': '::1', forwarded: 'for="[::1]";proto=http' })
    expect(out).not.toHaveProperty('X-Forwarded-For')
  })

  it('names an IPv4 peer on a dual-stack socket by its IPv4 address', () => {
    const out = withForwarding({}, { peer: '::ffff:127.0.0.1', peerTrusted: false, encrypted: false })
    expect(out['x-forwarded-for']).toBe('127.0.0.1')
    expect(out).not.toHaveProperty('x-forwarded-host')
  })
})

describe('TrustedProxies', () => {
  it.each([
    [['10.0.0.0/8'], '10.9.8.7', true],
    [['10.0.0.0/8'], '::ffff:10.9.8.7', true],
    [['10.0.0.0/8'], '11.0.0.1', false],
    [['127.0.0.1'], '127.0.0.1', true],
    [['::ffff:127.0.0.1'], '127.0.0.1', true],
    [['fd00::/8'], 'fd12::1', true],
    [['::1'], '::1', true],
    [[], '127.0.0.1', false],
  ])('%o trusts %s: %s', (entries, address, expected) => {
    expect(trusted(...entries).has(address)).toBe(expected)
  })

  it.each(['vim.lan', '10.0.0.0/33', '10.0.0.1/8/2', '::1/129', '10.0.0.0/x', ''])(
    'refuses "%s" with its name',
    (entry) => {
      const parsed = TrustedProxies.parse([entry])
      expect(parsed.ok).toBe(false)
      if (!parsed.ok) expect(parsed.message).toContain(`"${entry}"`)
    },
  )
})

describe('clientAddress', () => {
  const proxies = trusted('10.0.0.0/8')
  it.each([
    ['203.0.113.7', '1.2.3.4', '203.0.113.7'], // an untrusted peer is the client, whatever it claims
    ['10.0.0.2', '198.51.100.1', '198.51.100.1'],
    ['10.0.0.2', '1.2.3.4, 198.51.100.1, 10.0.0.3', '198.51.100.1'], // right-most untrusted
    ['10.0.0.2', '10.0.0.9', '10.0.0.9'],
    ['10.0.0.2', undefined, '10.0.0.2'],
    ['10.0.0.2', 'garbage, 198.51.100.1', '198.51.100.1'],
    ['10.0.0.2', '198.51.100.1, garbage', '10.0.0.2'],
    ['::ffff:10.0.0.2', '198.51.100.1', '198.51.100.1'],
  ])('peer %s, X-Forwarded-For %s → %s', (peer, forwardedFor, expected) => {
    expect(clientAddress(peer, forwardedFor, proxies)).toBe(expected)
  })

  it('reads a plain address from a mapped one', () => {
    expect(plainAddress('::FFFF:1.2.3.4')).toBe('1.2.3.4')
    expect(plainAddress('::1')).toBe('::1')
  })
})
