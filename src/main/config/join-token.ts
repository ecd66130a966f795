// The join token agents prove at the hub: generated once per data directory and kept private (0600).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createJoinToken } from '../../shared/protocol/auth'
import { writePrivateFileSync } from './private-file'

export const JOIN_TOKEN_FILE = 'join-token'

export function loadOrCreateJoinToken(dataDir: string): string {
  const file = join(dataDir, JOIN_TOKEN_FILE)
  try {
    const stored = readFileSync(file, 'utf8').trim()
    if (stored) return stored
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const token = createJoinToken()
  writePrivateFileSync(file, `${token}\n`)
  return token
}
