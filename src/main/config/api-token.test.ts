import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { resolveApiToken, TOKEN_FILE } from './api-token'

describe('resolveApiToken', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'acs-token-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('prefers ACS_TOKEN and writes nothing', () => {
    expect(resolveApiToken(dir, { ACS_TOKEN: ' from-env ' })).toBe('from-env')
    expect(() => statSync(join(dir, TOKEN_FILE))).toThrow()
  })

  it('generates a long random token once, private to the user, and reuses it', () => {
    const first = resolveApiToken(dir, {})
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(statSync(join(dir, TOKEN_FILE)).mode & 0o777).toBe(0o600)
    expect(resolveApiToken(dir, {})).toBe(first)
    expect(resolveApiToken(mkdtempSync(join(tmpdir(), 'acs-token-other-')), {})).not.toBe(first)
  })

  it('keeps reading a token whose mode was loosened (enforcePrivateModes tightens it at start)', () => {
    const token = resolveApiToken(dir, {})
    chmodSync(join(dir, TOKEN_FILE), 0o644)
    expect(resolveApiToken(dir, {})).toBe(token)
    expect(readFileSync(join(dir, TOKEN_FILE), 'utf8').trim()).toBe(token)
  })
})
