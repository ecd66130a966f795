// The bearer token that guards the control API: from ACS_TOKEN, or generated once and kept private.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { writePrivateFileSync } from './private-file'

export const TOKEN_FILE = 'api-token'

export function resolveApiToken(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.ACS_TOKEN?.trim()
  if (fromEnv) return fromEnv

  const file = join(dataDir, TOKEN_FILE)
  try {
    const stored = readFileSync(file, 'utf8').trim()
    // A loosened mode was already put right, with a warning, by enforcePrivateModes at start.
    if (stored) return stored
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const token = randomBytes(32).toString('base64url')
  writePrivateFileSync(file, `${token}\n`)
  return token
}
