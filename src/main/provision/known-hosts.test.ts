import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  checkHostKey,
  hostKeyAlgorithm,
  hostKeyFingerprint,
  hostKeyId,
  KNOWN_HOSTS_FILE,
  KnownHosts,
} from './known-hosts'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'acs-known-hosts-'))
  dirs.push(dir)
  return dir
}

const key = { algorithm: 'ssh-ed25519', fingerprint: 'SHA256:abc' }

describe('host key fingerprints', () => {
  it('match what ssh-keygen prints for the same key', () => {
    const dir = tempDir()
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')])
    const publicKey = readFileSync(join(dir, 'k.pub'), 'utf8').split(' ')
    const blob = Buffer.from(publicKey[1] as string, 'base64')
    const printed = execFileSync('ssh-keygen', ['-lf', join(dir, 'k.pub')], { encoding: 'utf8' }).split(
      ' ',
    )[1]
    expect(hostKeyFingerprint(blob)).toBe(printed)
    expect(hostKeyAlgorithm(blob)).toBe('ssh-ed25519')
    expect(hostKeyAlgorithm(Buffer.from([0, 0]))).toBe('unknown')
  })

  it('stores IPv6 hosts in brackets', () => {
    expect(hostKeyId('10.0.0.5', 22)).toBe('10.0.0.5:22')
    expect(hostKeyId('fe80::1', 2222)).toBe('[fe80::1]:2222')
  })
})

describe('checkHostKey', () => {
  it('trusts a host seen for the first time and the same key again', () => {
    expect(checkHostKey('h:22', undefined, key)).toEqual({ kind: 'new' })
    expect(checkHostKey('h:22', { ...key, firstSeen: 'then' }, key)).toEqual({ kind: 'trusted' })
  })

  it('refuses a changed key, naming both fingerprints and what to do', () => {
    const check = checkHostKey(
      '10.0.0.5:22',
      { ...key, firstSeen: '2026-01-01T00:00:00.000Z' },
      { algorithm: 'ssh-ed25519', fingerprint: 'SHA256:new' },
    )
    expect(check.kind).toBe('changed')
    const message = check.kind === 'changed' ? check.message : ''
    expect(message).toContain('SHA256:abc')
    expect(message).toContain('SHA256:new')
    expect(message).toContain("choose 'Forget host key' and deploy again")
  })
})

describe('KnownHosts', () => {
  it('records, reloads and forgets host keys', () => {
    const dir = tempDir()
    const hosts = new KnownHosts(dir)
    expect(hosts.get('10.0.0.5', 22)).toBeUndefined()
    hosts.trust('10.0.0.5', 22, key, new Date('2026-01-02T03:04:05Z'))
    const again = new KnownHosts(dir)
    expect(again.get('10.0.0.5', 22)).toEqual({ ...key, firstSeen: '2026-01-02T03:04:05.000Z' })
    expect(again.get('10.0.0.5', 2222)).toBeUndefined()
    expect(JSON.parse(readFileSync(join(dir, KNOWN_HOSTS_FILE), 'utf8'))).toHaveProperty(['10.0.0.5:22'])
    expect(again.forget('10.0.0.5', 22)).toBe('SHA256:abc')
    expect(again.forget('10.0.0.5', 22)).toBeNull()
    expect(new KnownHosts(dir).get('10.0.0.5', 22)).toBeUndefined()
  })

  it('refuses to start over from a damaged file', () => {
    const dir = tempDir()
    writeFileSync(join(dir, KNOWN_HOSTS_FILE), '{"h:22": {"fingerprint": 1}}')
    expect(() => new KnownHosts(dir).get('h', 22)).toThrow(/not a valid known-hosts file/)
  })
})
