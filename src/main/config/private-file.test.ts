import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { enforcePrivateModes, writePrivateFile, writePrivateFileSync } from './private-file'

let root: string
let dir: string
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'acs-private-'))
  dir = join(root, 'data')
  mkdirSync(dir, { mode: 0o700 })
})
afterEach(() => rmSync(root, { recursive: true, force: true }))

const modeOf = (path: string) => statSync(path).mode & 0o777

describe.skipIf(process.platform === 'win32')('writePrivateFile', () => {
  it('replaces a loose file with a 0600 one and leaves no temp file', async () => {
    const file = join(dir, 'join-token')
    writeFileSync(file, 'old\n', { mode: 0o644 })
    chmodSync(file, 0o644)
    writePrivateFileSync(file, 'new\n')
    expect(readFileSync(file, 'utf8')).toBe('new\n')
    expect(modeOf(file)).toBe(0o600)
    await writePrivateFile(file, new Uint8Array([1, 2, 3]))
    expect([...readFileSync(file)]).toEqual([1, 2, 3])
    expect(modeOf(file)).toBe(0o600)
    expect(readdirSync(dir)).toEqual(['join-token'])
  })

  it('leaves what was there and no temp file when the rename fails', () => {
    // A directory in the file's place: the temp file is written, the rename is refused.
    const file = join(dir, 'api-token')
    mkdirSync(file)
    writeFileSync(join(file, 'inside'), 'kept')
    expect(() => writePrivateFileSync(file, 'lost\n')).toThrow(/EISDIR|ENOTEMPTY|EEXIST|EPERM/)
    expect(readFileSync(join(file, 'inside'), 'utf8')).toBe('kept')
    expect(readdirSync(dir)).toEqual(['api-token'])
  })
})

describe.skipIf(process.platform === 'win32')('enforcePrivateModes', () => {
  it('makes the data dir 0700 and each secret 0600, naming each file and its old mode', () => {
    chmodSync(dir, 0o755)
    for (const [name, mode] of [
      ['api-token', 0o644],
      ['join-token', 0o640],
      ['secret.key', 0o604],
      ['hosts.json', 0o600],
    ] as const) {
      writeFileSync(join(dir, name), 'x')
      chmodSync(join(dir, name), mode)
    }
    const warnings = enforcePrivateModes(dir)
    expect(warnings).toEqual([
      `The data directory ${dir} had mode 0755, readable by other users; it is now 0700`,
      `The secret file ${join(dir, 'api-token')} had mode 0644, readable by other users; it is now 0600`,
      `The secret file ${join(dir, 'join-token')} had mode 0640, readable by other users; it is now 0600`,
      `The secret file ${join(dir, 'secret.key')} had mode 0604, readable by other users; it is now 0600`,
    ])
    expect(modeOf(dir)).toBe(0o700)
    for (const name of ['api-token', 'join-token', 'secret.key', 'hosts.json'])
      expect(modeOf(join(dir, name))).toBe(0o600)
    expect(enforcePrivateModes(dir)).toEqual([])
  })

  it('does not follow a symbolic link to change what it points at', () => {
    const outside = join(root, 'outside')
    writeFileSync(outside, 'x')
    chmodSync(outside, 0o644)
    symlinkSync(outside, join(dir, 'known_hosts.json'))
    expect(enforcePrivateModes(dir)).toEqual([])
    expect(modeOf(outside)).toBe(0o644)
  })
})
