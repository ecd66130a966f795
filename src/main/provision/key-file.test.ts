import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { keyFileProblem, MAX_KEY_FILE_BYTES, readKeyFile } from './key-file'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'acs-key-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe.skipIf(process.platform === 'win32')('key files', () => {
  it('reads a key-sized regular file', async () => {
    const file = join(dir, 'id_ed25519')
    writeFileSync(file, 'key material\n')
    expect(await keyFileProblem(file)).toBeUndefined()
    expect((await readKeyFile(file)).toString()).toBe('key material\n')
  })

  it('refuses a FIFO at once instead of waiting for a writer', async () => {
    const fifo = join(dir, 'fifo')
    execFileSync('mkfifo', [fifo])
    expect(await keyFileProblem(fifo)).toMatch(/is not a regular file/)
    const started = Date.now()
    await expect(readKeyFile(fifo)).rejects.toThrow(/is not a regular file/)
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('refuses a file over 64 KiB, a directory and a device', async () => {
    const big = join(dir, 'big')
    writeFileSync(big, Buffer.alloc(MAX_KEY_FILE_BYTES + 1))
    expect(await keyFileProblem(big)).toMatch(/larger than 64 KiB/)
    await expect(readKeyFile(big)).rejects.toThrow(/larger than 64 KiB/)
    expect(await keyFileProblem(dir)).toMatch(/is a directory/)
    await expect(readKeyFile('/dev/zero')).rejects.toThrow(/is not a regular file/)
  })

  it('leaves a missing file for the deploy to report', async () => {
    expect(await keyFileProblem(join(dir, 'missing'))).toBeUndefined()
    await expect(readKeyFile(join(dir, 'missing'))).rejects.toThrow(/ENOENT/)
  })
})
