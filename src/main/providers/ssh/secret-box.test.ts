import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { keyFileSecretBox, SECRET_KEY_FILE } from './secret-box'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'acs-secret-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('keyFileSecretBox', () => {
  it('makes a private 32-byte key once and opens what it sealed after a restart', () => {
    const sealed = keyFileSecretBox(dir).seal('hunter2')
    expect(statSync(join(dir, SECRET_KEY_FILE)).size).toBe(32)
    if (process.platform !== 'win32') expect(statSync(join(dir, SECRET_KEY_FILE)).mode & 0o777).toBe(0o600)
    const again = keyFileSecretBox(dir)
    expect(again.problem).toBeUndefined()
    expect(again.open(sealed)).toBe('hunter2')
  })

  it('never replaces a damaged key: it says so, and refuses to seal or open', () => {
    const file = join(dir, SECRET_KEY_FILE)
    const damaged = Buffer.alloc(17, 7)
    writeFileSync(file, damaged)
    const box = keyFileSecretBox(dir)
    expect(box.problem).toBe(
      `secret.key is damaged (17 bytes, expected 32): kept passwords cannot be read. Restore ${file} from a ` +
        'backup, or remove it to start over — the kept passwords are then lost.',
    )
    expect(() => box.seal('x')).toThrow('secret.key is damaged')
    expect(() => box.open('AAAA')).toThrow('secret.key is damaged')
    expect(readFileSync(file)).toEqual(damaged)
  })
})
