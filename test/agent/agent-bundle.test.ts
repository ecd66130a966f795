// The shipped agent is one file that runs with Node alone: copied out of the repository (no node_modules
// to fall back on), it starts and answers --help, as it must on a freshly provisioned VM.
import { execFile } from 'node:child_process'
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { repoRoot } from '../support/headless-process'

const dir = mkdtempSync(join(tmpdir(), 'acs-bundle-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('dist/vmm-agent.mjs', () => {
  it('runs from a directory with nothing else in it', async () => {
    const bundle = join(dir, 'vmm-agent.mjs')
    copyFileSync(join(repoRoot, 'dist', 'vmm-agent.mjs'), bundle)
    const { stdout } = await promisify(execFile)(process.execPath, [bundle, '--help'], { cwd: dir })
    expect(stdout).toMatch(/--name NAME/)
  })
})
