// The pins of agent keys per VM name: trust on first use, refusal of another key, forget, and a file
// that is saved atomically with mode 0600 and is never silently replaced when damaged.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { generateAgentKey } from '../../shared/protocol/agent-identity'
import { AGENT_KEYS_FILE, AgentKeys, MAX_FIRST_USE_PINS } from './agent-keys'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'acs-agent-keys-'))
  dirs.push(dir)
  return dir
}

describe('AgentKeys', () => {
  it('pins the first key under a name, admits it again and refuses another', () => {
    const keys = new AgentKeys()
    const real = generateAgentKey()
    const other = generateAgentKey()
    expect(keys.admit('lab-1', real.publicKey)).toMatchObject({
      admitted: true,
      pinnedNow: true,
      pin: { vmName: 'lab-1', fingerprint: real.fingerprint, how: 'first-use' },
    })
    expect(keys.admit('lab-1', real.publicKey)).toMatchObject({ admitted: true, pinnedNow: false })
    expect(keys.admit('lab-1', other.publicKey)).toMatchObject({
      admitted: false,
      pin: { fingerprint: real.fingerprint },
    })
    expect(keys.check('lab-1', other.publicKey)).toBe('mismatch')
    expect(keys.check('lab-2', other.publicKey)).toBe('unknown')
  })

  it('trusts the next key after a forget, and says what was forgotten', () => {
    const keys = new AgentKeys()
    const real = generateAgentKey()
    keys.pin('lab-1', real.publicKey, 'lab')
    expect(keys.forget('lab-1')).toMatchObject({ fingerprint: real.fingerprint, how: 'lab' })
    expect(keys.forget('lab-1')).toBeUndefined()
    const next = generateAgentKey()
    expect(keys.admit('lab-1', next.publicKey)).toMatchObject({ admitted: true, pinnedNow: true })
  })

  it('keeps names like __proto__ and constructor as plain keys, across a restart', () => {
    const dir = dataDir()
    const keys = AgentKeys.load(dir)
    const a = generateAgentKey()
    const b = generateAgentKey()
    keys.pin('__proto__', a.publicKey, 'first-use', 1000)
    keys.pin('constructor', b.publicKey, 'deployed', 2000)
    const reloaded = AgentKeys.load(dir)
    expect(reloaded.get('__proto__')).toMatchObject({
      publicKey: a.publicKey,
      pinnedAt: 1000,
      how: 'first-use',
    })
    expect(reloaded.get('constructor')).toMatchObject({ publicKey: b.publicKey, how: 'deployed' })
    expect(reloaded.get('toString')).toBeUndefined()
  })

  it('saves with mode 0600 and leaves no temporary file', () => {
    const dir = dataDir()
    AgentKeys.load(dir).pin('lab-1', generateAgentKey().publicKey, 'lab')
    expect(statSync(join(dir, AGENT_KEYS_FILE)).mode & 0o777).toBe(0o600)
    expect(readdirSync(dir)).toEqual([AGENT_KEYS_FILE])
  })

  it.each([
    ['not JSON', '{"version":1,'],
    ['another shape', '{"version":1,"pins":{}}'],
    [
      'a key that is not Ed25519',
      '{"version":1,"pins":[{"vmName":"a","publicKey":"abcd","pinnedAt":1,"how":"lab"}]}',
    ],
  ])('refuses a damaged file (%s) with an error naming it, and leaves it as it was', (_, text) => {
    const dir = dataDir()
    const path = join(dir, AGENT_KEYS_FILE)
    writeFileSync(path, text)
    expect(() => AgentKeys.load(dir)).toThrow(`the agent key pins ${path} cannot be read`)
    expect(readFileSync(path, 'utf8')).toBe(text)
  })

  it('stops trusting new names on first use beyond the limit, but still admits known ones', () => {
    const keys = new AgentKeys()
    const key = generateAgentKey().publicKey
    for (let i = 0; i < MAX_FIRST_USE_PINS; i++) keys.admit(`vm-${i}`, key)
    expect(() => keys.admit('one-more', key)).toThrow(
      `the VIM already trusts ${MAX_FIRST_USE_PINS} agent keys; forget the keys of VMs that are gone`,
    )
    expect(keys.admit('vm-7', key)).toMatchObject({ admitted: true })
    keys.forget('vm-7')
    expect(keys.admit('one-more', key)).toMatchObject({ admitted: true, pinnedNow: true })
  })

  it('refuses a key that is not an Ed25519 public key', () => {
    expect(() => new AgentKeys().pin('lab-1', 'AAAA', 'lab')).toThrow(/not an Ed25519 public key/)
  })
})
