import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { labNamePrefix, loadOrCreateClusterId } from './cluster-id'

describe('loadOrCreateClusterId', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'acs-cluster-id-'))
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('makes an 8-character id once per data dir and keeps it, private to the user', async () => {
    const id = loadOrCreateClusterId(dir)
    expect(id).toMatch(/^[0-9a-f]{8}$/)
    expect(loadOrCreateClusterId(dir)).toBe(id)
    expect((await readFile(join(dir, 'cluster-id'), 'utf8')).trim()).toBe(id)
    expect((await stat(join(dir, 'cluster-id'))).mode & 0o777).toBe(0o600)
  })

  it('gives another data dir another id', async () => {
    const other = await mkdtemp(join(tmpdir(), 'acs-cluster-id-'))
    try {
      expect(loadOrCreateClusterId(other)).not.toBe(loadOrCreateClusterId(dir))
    } finally {
      await rm(other, { recursive: true, force: true })
    }
  })

  it('refuses a damaged file instead of replacing it', async () => {
    await writeFile(join(dir, 'cluster-id'), 'Not An Id!\n')
    expect(() => loadOrCreateClusterId(dir)).toThrow(/cluster-id is damaged: cluster id 'Not An Id!' must be/)
    expect(await readFile(join(dir, 'cluster-id'), 'utf8')).toBe('Not An Id!\n')
  })

  it('names lab VMs after --lab-prefix, else the setting, else 4 characters of the cluster id', () => {
    expect(labNamePrefix('shop', 'web', '3fa29c01')).toBe('shop')
    expect(labNamePrefix(undefined, 'web', '3fa29c01')).toBe('web')
    expect(labNamePrefix(undefined, undefined, '3fa29c01')).toBe('lab-3fa2')
  })
})
