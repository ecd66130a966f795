// The layering rules of the codebase, checked: the core runs without Electron, the renderer and
// the shared code without Node or Electron.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot } from './support/headless-process'

function sourceFiles(dir: string): string[] {
  return readdirSync(join(repoRoot, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(ts|tsx)$/.test(file))
    .map((file) => join(dir, file))
}

function importing(files: string[], pattern: RegExp): string[] {
  return files
    .filter((file) => pattern.test(readFileSync(join(repoRoot, file), 'utf8')))
    .map((f) => relative('.', f))
}

const electronImport = /from ['"]electron['"]|require\(['"]electron['"]\)/

describe('architecture', () => {
  it('only the Electron shell and the IPC bridge in src/main import electron', () => {
    expect(importing(sourceFiles('src/main'), electronImport).sort()).toEqual([
      'src/main/index.ts',
      'src/main/ipc-bridge.ts',
    ])
  })

  it('the renderer and src/shared never import electron', () => {
    expect(importing([...sourceFiles('src/renderer'), ...sourceFiles('src/shared')], electronImport)).toEqual(
      [],
    )
  })

  it('the renderer never imports Node built-ins or the main process', () => {
    const files = sourceFiles('src/renderer').filter(
      (file) => !file.endsWith('.test.tsx') && !file.endsWith('.test.ts'),
    )
    expect(importing(files, /from ['"]node:|from ['"](\.\.\/)+main\//)).toEqual([])
  })
})
