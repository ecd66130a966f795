// Agent keys: signatures bound to one challenge and one VM name, fingerprints, and key files that are
// made once (0600) and never silently replaced.
import { generateKeyPairSync } from 'node:crypto'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  generateAgentKey,
  identityInput,
  loadOrCreateAgentKey,
  MAX_KEY_FILE_BYTES,
  publicKeyFingerprint,
  signIdentity,
  verifyIdentity,
} from './agent-identity'

const claim = { nonce: 'n'.repeat(43), vmName: 'lab-1', agentId: 'a-1', hmac: 'f'.repeat(64) }
const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'acs-agent-key-'))
  dirs.push(dir)
  return dir
}

describe('agent identity', () => {
  it('verifies a signature only for the same nonce, VM name, agent id and proof', () => {
    const key = generateAgentKey()
    const signature = signIdentity(key, claim)
    expect(verifyIdentity(key.publicKey, signature, claim)).toBe(true)
    for (const change of [
      { nonce: 'm'.repeat(43) },
      { vmName: 'lab-2' },
      { agentId: 'a-2' },
      { hmac: 'e'.repeat(64) },
    ]) {
      expect(verifyIdentity(key.publicKey, signature, { ...claim, ...change })).toBe(false)
    }
    expect(verifyIdentity(generateAgentKey().publicKey, signature, claim)).toBe(false)
  })

  it('never throws on garbage keys or signatures', () => {
    const key = generateAgentKey()
    const signature = signIdentity(key, claim)
    for (const publicKey of [
      '',
      'x',
      'A'.repeat(60),
      key.publicKey.replace(/=$/, ''),
      `${key.publicKey}\n`,
    ]) {
      expect(verifyIdentity(publicKey, signature, claim)).toBe(false)
    }
    for (const bad of ['', 'A'.repeat(88), `${'B'.repeat(86)}==`])
      expect(verifyIdentity(key.publicKey, bad, claim)).toBe(false)
    expect(verifyIdentity(key.publicKey, signature, { ...claim, vmName: 'a\nb' })).toBe(false)
  })

  it('labels the signed string and refuses newlines in its fields', () => {
    expect(identityInput(claim).split('\n')).toEqual([
      'auto-cloud-scaler/identity/v1',
      claim.nonce,
      'lab-1',
      'a-1',
      claim.hmac,
    ])
    expect(() => identityInput({ ...claim, agentId: 'x\ny' })).toThrow(/newline/)
  })

  it('fingerprints a key like a certificate, and refuses what is not an Ed25519 key', () => {
    const key = generateAgentKey()
    expect(key.fingerprint).toMatch(/^SHA256:([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
    expect(publicKeyFingerprint(key.publicKey)).toBe(key.fingerprint)
    expect(publicKeyFingerprint('not a key')).toBeUndefined()
  })
})

describe('agent key files', () => {
  it('makes the key once, mode 0600, and loads the same key afterwards', () => {
    const path = join(tempDir(), 'state', 'agent.key')
    const first = loadOrCreateAgentKey(path)
    expect(first.created).toBe(true)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const again = loadOrCreateAgentKey(path)
    expect(again).toMatchObject({ created: false, key: { publicKey: first.key.publicKey } })
  })

  it('fixes a key file that others can read to 0600, with a warning', () => {
    const path = join(tempDir(), 'agent.key')
    const made = loadOrCreateAgentKey(path)
    chmodSync(path, 0o644)
    const loaded = loadOrCreateAgentKey(path)
    expect(loaded.key.publicKey).toBe(made.key.publicKey)
    expect(loaded.warning).toBe(`the agent key ${path} had mode 0644, readable by others; it is now 0600`)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(loadOrCreateAgentKey(path).warning).toBeUndefined()
  })

  it.each<[string, (path: string) => void, RegExp]>([
    ['text that is not a key', (path) => writeFileSync(path, 'hello'), /not a private key in PEM form/],
    [
      'another kind of key',
      (path) =>
        writeFileSync(
          path,
          generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
            format: 'pem',
            type: 'pkcs8',
          }),
        ),
      /an ec key, not an Ed25519 key/,
    ],
    ['a directory', (path) => mkdirSync(path), /not a regular file/],
    ['a huge file', (path) => writeFileSync(path, 'x'.repeat(MAX_KEY_FILE_BYTES + 1)), /larger than 64 KiB/],
  ])('refuses %s with an error naming the file, and leaves it alone', (_, make, message) => {
    const path = join(tempDir(), 'agent.key')
    make(path)
    const before = statSync(path).isFile() ? readFileSync(path) : undefined
    expect(() => loadOrCreateAgentKey(path)).toThrow(message)
    expect(() => loadOrCreateAgentKey(path)).toThrow(`the agent key ${path} is unusable`)
    if (before) expect(readFileSync(path)).toEqual(before)
  })
})
