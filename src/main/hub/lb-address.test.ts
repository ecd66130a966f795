import { describe, expect, it } from 'vitest'
import { isLoopbackBind as isLoopback, isWildcardHost } from '../config/listen-address'
import { agentLbTarget, formatHostPort, peerAddress } from './lb-address'

describe('peerAddress', () => {
  it.each([
    ['::ffff:10.0.0.2', '10.0.0.2'],
    ['10.0.0.2', '10.0.0.2'],
    ['::1', '::1'],
    ['fe80::1', 'fe80::1'],
    [undefined, 'unknown'],
  ])('%s → %s', (input, expected) => {
    expect(peerAddress(input)).toBe(expected)
  })
})

describe('isWildcardHost', () => {
  it.each(['0.0.0.0', '::', '[::]', '0:0:0:0:0:0:0:0', '*'])('%s is a wildcard', (host) => {
    expect(isWildcardHost(host)).toBe(true)
  })

  it('does not mistake host names made of zeros for wildcards', () => {
    expect(isWildcardHost('0')).toBe(false)
    expect(isWildcardHost('00.lab')).toBe(false)
  })
})

describe('agentLbTarget', () => {
  const self = {
    localAddresses: new Set(['127.0.0.1', '::1', '10.0.0.1']),
    reservedPorts: new Set([17000, 17070, 18080]),
  }
  it.each([
    // An agent elsewhere: its connection's address, whatever it advertises.
    [{ peer: '10.0.0.2', lbHost: '0.0.0.0', lbPort: 8000 }, '10.0.0.2:8000'],
    [{ peer: '10.0.0.2', lbHost: '10.0.0.99', lbPort: 8000 }, '10.0.0.2:8000'],
    [{ peer: '10.0.0.2', lbHost: 'evil.example', lbPort: 8000 }, '10.0.0.2:8000'],
    [{ peer: '10.0.0.2', lbHost: '127.0.0.1', lbPort: 8000 }, '10.0.0.2:8000'],
    // An agent on this machine may listen on loopback (the local lab does).
    [{ peer: '127.0.0.1', lbHost: '127.0.0.1', lbPort: 41000 }, '127.0.0.1:41000'],
    [{ peer: '10.0.0.1', lbHost: '127.0.0.1', lbPort: 41000 }, '127.0.0.1:41000'],
    [{ peer: '::1', lbHost: '::1', lbPort: 41000 }, '[::1]:41000'],
    // The user's address for a VM behind NAT wins.
    [{ peer: '10.0.0.2', lbHost: '0.0.0.0', lbPort: 8000, override: 'vm.lab:9000' }, 'vm.lab:9000'],
    [{ peer: '10.0.0.2', lbHost: '0.0.0.0', lbPort: 8000, override: '192.168.1.5' }, '192.168.1.5:8000'],
    [{ peer: '10.0.0.2', lbHost: '0.0.0.0', lbPort: 8000, override: '[fd00::5]:81' }, '[fd00::5]:81'],
  ])('%j → %s', (input, expected) => {
    const target = agentLbTarget(input, self)
    expect(target.ok && formatHostPort(target.host, target.port)).toBe(expected)
  })

  it.each([
    [
      { peer: '127.0.0.1', lbHost: '127.0.0.1', lbPort: 17000 },
      "127.0.0.1:17000 is one of the VIM's own ports",
    ],
    [
      { peer: '127.0.0.1', lbHost: '0.0.0.0', lbPort: 18080 },
      "127.0.0.1:18080 is one of the VIM's own ports",
    ],
    [{ peer: '10.0.0.1', lbHost: '0.0.0.0', lbPort: 17070 }, "10.0.0.1:17070 is one of the VIM's own ports"],
    [{ peer: '10.0.0.2', lbHost: '0.0.0.0', lbPort: 8000, override: 'localhost:17000' }, 'localhost:17000'],
    [{ peer: 'unknown', lbHost: '0.0.0.0', lbPort: 8000 }, 'unknown'],
    [{ peer: '10.0.0.2', lbHost: '0.0.0.0', lbPort: 8000, override: 'a b' }, 'not HOST or HOST:PORT'],
  ])('refuses %j', (input, reason) => {
    const target = agentLbTarget(input, self)
    expect(target.ok).toBe(false)
    expect(!target.ok && target.reason).toContain(reason)
  })
})

describe('isLoopback', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.3.2.1', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['localhost', true],
    ['10.0.0.1', false],
    ['::2', false],
    ['vm.lab', false],
  ])('%s → %s', (host, expected) => expect(isLoopback(host)).toBe(expected))
})
