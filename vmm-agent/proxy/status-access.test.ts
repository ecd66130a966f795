// Who may read the agent's status page.
import { describe, expect, it } from 'vitest'
import { isLoopback, mayReadStatus } from './status-access'

describe('mayReadStatus', () => {
  it.each([
    ['127.0.0.1', {}, true],
    ['::1', {}, true],
    ['::ffff:127.0.0.1', {}, true],
    ['10.0.0.2', {}, false],
    ['127.0.0.1', { 'x-forwarded-for': '203.0.113.7' }, false], // relayed by a proxy on this machine
    ['127.0.0.1', { forwarded: 'for=203.0.113.7' }, false],
    ['10.0.0.2', { authorization: 'Bearer join-token' }, true],
    ['10.0.0.2', { authorization: 'bearer join-token' }, true],
    ['10.0.0.2', { authorization: 'Bearer join-tokeN' }, false],
    ['10.0.0.2', { authorization: 'Bearer join-token-and-more' }, false],
    ['10.0.0.2', { authorization: 'Basic am9pbi10b2tlbg==' }, false],
    ['127.0.0.1', { 'x-forwarded-for': '203.0.113.7', authorization: 'Bearer join-token' }, true],
  ])('peer %s with %o → %s', (peer, headers, expected) => {
    expect(mayReadStatus({ peer, headers }, 'join-token')).toBe(expected)
  })

  it('lets nobody but local callers in when the agent has no token (standalone)', () => {
    expect(mayReadStatus({ peer: '10.0.0.2', headers: { authorization: 'Bearer ' } }, undefined)).toBe(false)
    expect(mayReadStatus({ peer: '10.0.0.2', headers: { authorization: 'Bearer x' } }, '')).toBe(false)
  })

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1'].every(isLoopback)).toBe(true)
    expect(['10.0.0.1', '::', '0.0.0.0', '::ffff:10.0.0.1', undefined].some(isLoopback)).toBe(false)
  })
})
