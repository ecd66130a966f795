// Seals the passwords and key passphrases a user asked the VIM to remember, so that none is ever written
// to disk in plain text: the desktop app seals with the system keychain (Electron safeStorage); headless
// mode, which has no keychain, seals with AES-256-GCM under a key kept in its own 0600 file.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface SecretBox {
  /** Where the key lives, for the README and the UI: the OS keychain or a key file in the data dir. */
  readonly kind: 'os-keychain' | 'key-file'
  seal(text: string): string
  /** Throws when the sealed text was not made by this box (another machine, another key). */
  open(sealed: string): string
}

export const SECRET_KEY_FILE = 'secret.key'

/**
 * A key file beside the sealed secrets protects them from someone who reads hosts.json alone (a backup, a
 * bug report) but not from someone who can read the whole data directory as its owner.
 */
export function keyFileSecretBox(dataDir: string): SecretBox {
  const key = loadOrCreateKey(join(dataDir, SECRET_KEY_FILE))
  return {
    kind: 'key-file',
    seal(text) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      const sealed = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()])
      return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64')
    },
    open(sealed) {
      const data = Buffer.from(sealed, 'base64')
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12))
      decipher.setAuthTag(data.subarray(12, 28))
      return Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8')
    },
  }
}

function loadOrCreateKey(file: string): Buffer {
  try {
    const key = readFileSync(file)
    if (key.length === 32) return key
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const key = randomBytes(32)
  writeFileSync(file, key, { mode: 0o600 })
  return key
}
