import { describe, expect, it } from 'vitest'
import type { SshLoginInfo } from '../../../../../shared/domain/provision'
import { isHostKeyChanged, secretToAsk } from './deploy-remedies'

const login = (overrides: Partial<SshLoginInfo>): SshLoginInfo => ({
  address: '192.168.56.10',
  port: 22,
  user: 'ubuntu',
  auth: 'key',
  keyPath: '~/.ssh/id_ed25519',
  secretStored: false,
  hostKeyFingerprint: null,
  ...overrides,
})

describe('secretToAsk', () => {
  it.each([
    ['no login (a VM without SSH)', null, null, undefined],
    ['a password not kept', login({ auth: 'password', keyPath: null }), null, 'password'],
    ['a password kept', login({ auth: 'password', secretStored: true }), null, undefined],
    ['a key, first try', login({}), null, undefined],
    [
      'a key found encrypted',
      login({}),
      'The key ~/.ssh/id is encrypted: enter its passphrase',
      'passphrase',
    ],
    ['a key whose passphrase is kept', login({ secretStored: true }), 'needs a passphrase', undefined],
    ['the SSH agent', login({ auth: 'agent', keyPath: null }), 'passphrase', undefined],
  ] as const)('%s', (_, info, error, expected) => {
    expect(secretToAsk(info, error)).toBe(expected)
  })
})

describe('isHostKeyChanged', () => {
  it.each([
    ['The host key of 192.168.56.10:22 changed (was SHA256:abc, now SHA256:def)', true],
    ['Host key mismatch for lab-host-1', true],
    ['The host key does not match the one trusted on first use', true],
    ['Connection refused by 192.168.56.10:22', false],
    ['Docker is not installed', false],
    [null, false],
  ])('%s → %s', (message, expected) => {
    expect(isHostKeyChanged(message)).toBe(expected)
  })
})
