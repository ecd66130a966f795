import { describe, expect, it } from 'vitest'
import { isWildcardHost, peerAddress, reachableLbHost } from './lb-address'

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

describe('reachableLbHost', () => {
  it.each([
    ['0.0.0.0', '10.0.0.2', '10.0.0.2'],
    ['::', '10.0.0.2', '10.0.0.2'],
    ['[::]', 'fd00::7', 'fd00::7'],
    ['0:0:0:0:0:0:0:0', '10.0.0.2', '10.0.0.2'],
    ['*', '127.0.0.1', '127.0.0.1'],
    ['10.0.0.9', '10.0.0.2', '10.0.0.9'],
    ['vm-1.lab', '10.0.0.2', 'vm-1.lab'],
    ['::1', '10.0.0.2', '::1'],
    ['0.0.0.0', 'unknown', '0.0.0.0'],
  ])('lbHost %s from %s → %s', (lbHost, remote, expected) => {
    expect(reachableLbHost(lbHost, remote)).toBe(expected)
  })

  it('does not mistake host names made of zeros for wildcards', () => {
    expect(isWildcardHost('0')).toBe(false)
    expect(isWildcardHost('00.lab')).toBe(false)
  })
})
