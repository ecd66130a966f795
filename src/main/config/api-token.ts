// The bearer token that guards the control API: from ACS_TOKEN, or generated once and kept private.
import { randomBytes } from 'node:crypto'
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const TOKEN_FILE = 'api-token'

export function resolveApiToken(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.ACS_TOKEN?.trim()
  if (fromEnv) return fromEnv

  const file = join(dataDir, TOKEN_FILE)
  try {
    const stored = readFileSync(file, 'utf8').trim()
    if (stored) {
      // Someone may have loosened the mode (a copy, a restore); the token stays readable by its owner only.
      if ((statSync(file).mode & 0o077) !== 0 && process.platform !== 'win32') chmodSync(file, 0o600)
      return stored
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const token = randomBytes(32).toString('base64url')
  writeFileSync(file, `${token}\n`, { mode: 0o600 })
  return token
}
