import { describe, expect, it } from 'vitest'
import type { DeployErrorCode, SshLoginInfo } from '../../../../../shared/domain/provision'
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

const failed = (errorCode: DeployErrorCode | null) => ({ errorCode })

describe('secretToAsk', () => {
  it.each([
    ['no login (a VM without SSH)', null, null, undefined],
    ['a password not kept', login({ auth: 'password', keyPath: null }), null, 'password'],
    ['a password kept', login({ auth: 'password', secretStored: true }), null, undefined],
    [
      'a kept password refused',
      login({ auth: 'password', secretStored: true }),
      failed('login_refused'),
      'password',
    ],
    ['a key, first try', login({}), null, undefined],
    ['a key found encrypted', login({}), failed('secret_needed'), 'passphrase'],
    ['a key the host refused (no passphrase helps)', login({}), failed('login_refused'), undefined],
    ['a key after a changed host key', login({}), failed('host_key_changed'), undefined],
    ['the SSH agent', login({ auth: 'agent', keyPath: null }), failed('secret_needed'), undefined],
  ] as const)('%s', (_, info, failure, expected) => {
    expect(secretToAsk(info, failure)).toBe(expected)
  })
})

describe('isHostKeyChanged', () => {
  it.each([
    [failed('host_key_changed'), true],
    [failed('login_refused'), false],
    [failed(null), false],
    [null, false],
  ])('%o → %s', (failure, expected) => {
    expect(isHostKeyChanged(failure)).toBe(expected)
  })
})
