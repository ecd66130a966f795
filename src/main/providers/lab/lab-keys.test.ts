// Lab agent keys: made once in the data dir, pinned as `lab`, and taking a lab name back from a key that
// was pinned under it first.
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { generateAgentKey, loadOrCreateAgentKey } from '../../../shared/protocol/agent-identity'
import { AgentKeys } from '../../hub/agent-keys'
import { labAgentKeyPath, prepareLabAgentKey } from './lab-keys'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('lab agent keys', () => {
  it('makes the key in the data dir (0600), pins it as lab, and reuses it', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'acs-lab-keys-'))
    dirs.push(dataDir)
    const keys = AgentKeys.load(dataDir)
    const path = prepareLabAgentKey(dataDir, 'lab-1', keys)
    expect(path).toBe(join(dataDir, 'lab-agents', 'lab-1.key'))
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const { key } = loadOrCreateAgentKey(path)
    expect(keys.get('lab-1')).toMatchObject({ publicKey: key.publicKey, how: 'lab' })
    expect(prepareLabAgentKey(dataDir, 'lab-1', keys)).toBe(path)
    expect(AgentKeys.load(dataDir).get('lab-1')?.publicKey).toBe(key.publicKey)
  })

  it('takes a lab name back from a key that claimed it first', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'acs-lab-keys-'))
    dirs.push(dataDir)
    const keys = new AgentKeys()
    keys.admit('lab-2', generateAgentKey().publicKey)
    const { key } = loadOrCreateAgentKey(prepareLabAgentKey(dataDir, 'lab-2', keys))
    expect(keys.get('lab-2')).toMatchObject({ publicKey: key.publicKey, how: 'lab' })
  })

  it('refuses a name that is not a lab VM name', () => {
    expect(() => labAgentKeyPath('/d', '../x')).toThrow(/not a lab VM name/)
  })
})
