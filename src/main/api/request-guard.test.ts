import { describe, expect, it } from 'vitest'
import { allowedHosts, checkHost, checkOrigin, hostnameOf } from './request-guard'

const loopbackBind = allowedHosts({ boundHost: '127.0.0.1', configured: [], interfaces: [], wildcard: false })
const lanBind = allowedHosts({
  boundHost: '192.168.56.1',
  configured: ['vim.lab.example'],
  interfaces: ['10.9.9.9'],
  wildcard: false,
})
const wildcardBind = allowedHosts({
  boundHost: '0.0.0.0',
  configured: [],
  interfaces: ['127.0.0.1', '10.0.0.5', 'fe80::1'],
  wildcard: true,
})

describe('hostnameOf', () => {
  it.each([
    ['localhost:17000', 'localhost'],
    ['LOCALHOST', 'localhost'],
    ['[::1]:17000', '::1'],
    ['127.0.0.1', '127.0.0.1'],
    ['evil.example/x', undefined],
    ['localhost:1@evil.example', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%s → %s', (header, hostname) => {
    expect(hostnameOf(header)).toBe(hostname)
  })
})

describe('checkHost', () => {
  it.each([
    [loopbackBind, 'localhost:17000', true],
    [loopbackBind, '127.0.0.1:17000', true],
    [loopbackBind, '[::1]:17000', true],
    [loopbackBind, '127.0.0.1:8000', true], // a tunnel's port
    [loopbackBind, 'rebind.attacker.example:17000', false],
    [loopbackBind, '192.168.56.1:17000', false],
    [loopbackBind, undefined, false],
    [lanBind, '192.168.56.1:17000', true],
    [lanBind, 'vim.lab.example:17000', true],
    [lanBind, '10.9.9.9:17000', false], // interfaces count only for a wildcard bind
    [wildcardBind, '10.0.0.5:17000', true],
    [wildcardBind, '[fe80::1]:17000', true],
    [wildcardBind, '0.0.0.0:17000', false],
    [wildcardBind, 'attacker.example', false],
  ])('%#: Host %s → allowed %s', (allowed, header, ok) => {
    expect(checkHost(header, allowed).ok).toBe(ok)
  })

  it('names the refused host and the option that allows it', () => {
    const check = checkHost('Rebind.Example:17000', loopbackBind)
    expect(check).toEqual({
      ok: false,
      message: expect.stringContaining("'Rebind.Example:17000'"),
    })
    expect(!check.ok && check.message).toContain('--allowed-host rebind.example')
    expect(!check.ok && check.message).toContain('ACS_ALLOWED_HOSTS')
  })
})

describe('checkOrigin', () => {
  it.each([
    [undefined, '127.0.0.1:17000', true],
    ['http://127.0.0.1:17000', '127.0.0.1:17000', true],
    ['http://localhost:17000', 'localhost:17000', true],
    ['http://[::1]:17000', '[::1]:17000', true],
    ['http://localhost:17000', '127.0.0.1:17000', false], // another origin, even on this machine
    ['http://127.0.0.1:9999', '127.0.0.1:17000', false], // another port: another site
    ['https://127.0.0.1:17000', '127.0.0.1:17000', false],
    ['http://attacker.example:17000', 'attacker.example:17000', false],
    ['null', '127.0.0.1:17000', false],
    ['http://127.0.0.1:17000', undefined, false],
  ])('Origin %s with Host %s → allowed %s', (origin, host, ok) => {
    expect(checkOrigin(origin, host, loopbackBind).ok).toBe(ok)
  })
})
