import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { utils } from 'ssh2'
import { afterAll, describe, expect, it } from 'vitest'
import { KnownHosts } from './known-hosts'
import { connectFailure, socketFailure } from './ssh-login'
import { SshSession } from './ssh-session'

const dir = mkdtempSync(join(tmpdir(), 'acs-ssh-session-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const login = { host: '10.0.0.5', port: 22, user: 'acs', auth: 'password' as const }

describe('connect failures a person can act on', () => {
  it.each([
    [
      { level: 'client-authentication' },
      'password',
      'SSH login as acs@10.0.0.5 was refused (password): check the user and password',
    ],
    [
      { level: 'client-authentication' },
      'key',
      "SSH login as acs@10.0.0.5 was refused (key): check the user and that the key's public half is in the user's ~/.ssh/authorized_keys",
    ],
    [
      { level: 'client-timeout' },
      'password',
      '10.0.0.5:22 accepted the connection but did not complete the SSH handshake within 20 s: is it an SSH server?',
    ],
    [{ level: 'client-socket', code: 'ECONNRESET' }, 'password', 'Cannot connect to 10.0.0.5:22: boom'],
  ] as const)('%j with %s', (fields, auth, message) => {
    const error = Object.assign(new Error('boom'), fields)
    expect(connectFailure(error, { ...login, auth }, '10.0.0.5:22', 20_000)).toBe(message)
  })

  it.each([
    ['ECONNREFUSED', '10.0.0.5:22 refused the connection: check that sshd runs there and listens on port 22'],
    [
      'EHOSTUNREACH',
      '10.0.0.5:22 is unreachable from the VIM (no route): check the address and that the host is on',
    ],
    [
      'ENETUNREACH',
      '10.0.0.5:22 is unreachable from the VIM (no route): check the address and that the host is on',
    ],
    ['ENOTFOUND', 'The host name 10.0.0.5 does not resolve: check the address'],
  ])('%s', (code, message) => {
    expect(socketFailure(Object.assign(new Error('x'), { code }), '10.0.0.5', 22)).toBe(message)
  })
})

describe('key files, checked before connecting', () => {
  const encrypted = join(dir, 'encrypted')
  writeFileSync(
    encrypted,
    utils.generateKeyPairSync('ed25519', { passphrase: 'right', cipher: 'aes256-cbc', rounds: 16 }).private,
  )
  const garbage = join(dir, 'garbage')
  writeFileSync(garbage, 'not a key')
  const open = (keyPath: string, passphrase?: string) =>
    SshSession.open({
      // Port 9 (discard) is never dialed: the key is refused first.
      login: { ...login, port: 9, auth: 'key', keyPath, ...(passphrase && { passphrase }) },
      knownHosts: new KnownHosts(dir),
    })

  it.each([
    [encrypted, undefined, `The SSH key ${encrypted} is encrypted: give its passphrase and deploy again`],
    [encrypted, 'wrong', `The passphrase of the SSH key ${encrypted} is wrong: check it and deploy again`],
    [
      garbage,
      undefined,
      `The SSH key ${garbage} cannot be used (Unsupported key format): choose an OpenSSH or PEM private key`,
    ],
    [join(dir, 'missing'), undefined, /^Cannot read the SSH key .*missing: ENOENT/],
  ])('%s (passphrase %s)', async (keyPath, passphrase, message) => {
    await expect(open(keyPath, passphrase)).rejects.toThrow(message)
  })

  it('needs a password or an agent when those are the login', async () => {
    await expect(SshSession.open({ login, knownHosts: new KnownHosts(dir) })).rejects.toThrow(
      'SSH login as acs@10.0.0.5 needs a password: enter it and deploy again',
    )
    await expect(
      SshSession.open({ login: { ...login, auth: 'agent' }, knownHosts: new KnownHosts(dir), env: {} }),
    ).rejects.toThrow(/No SSH agent is running for the VIM \(SSH_AUTH_SOCK is not set\)/)
  })
})
