// Seals the passwords and key passphrases a user asked the VIM to remember, so that none is ever written
// to disk in plain text: the desktop app seals with the system keychain (Electron safeStorage); headless
// mode, which has no keychain, seals with AES-256-GCM under a key kept in its own 0600 file.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { errorMessage } from '../../../shared/issues'
import { writePrivateFileSync } from '../../config/private-file'

export interface SecretBox {
  /** Where the key lives, for the README and the UI: the OS keychain or a key file in the data dir. */
  readonly kind: 'os-keychain' | 'key-file'
  /**
   * Why kept secrets cannot be opened (nor new ones sealed): a damaged or unreadable key file. The VIM
   * keeps running; hosts then show no kept secret and a deploy asks for it.
   */
  readonly problem?: string | undefined
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
  const loaded = loadOrCreateKey(join(dataDir, SECRET_KEY_FILE))
  if (!loaded.ok) {
    const refuse = (): never => {
      throw new Error(loaded.problem)
    }
    return { kind: 'key-file', problem: loaded.problem, seal: refuse, open: refuse }
  }
  const { key } = loaded
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

const KEY_BYTES = 32

/**
 * The key, or why it cannot be had. A key file that exists but is damaged is never replaced: that
 * would lose every kept password without a word. Only the user may decide to start over.
 */
function loadOrCreateKey(file: string): { ok: true; key: Buffer } | { ok: false; problem: string } {
  let key: Buffer
  try {
    key = readFileSync(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      return {
        ok: false,
        problem:
          `${SECRET_KEY_FILE} cannot be read (${errorMessage(error)}): kept passwords cannot be read. ` +
          `Make ${file} readable by the VIM's user and restart.`,
      }
    const made = randomBytes(KEY_BYTES)
    writePrivateFileSync(file, made)
    return { ok: true, key: made }
  }
  if (key.length === KEY_BYTES) return { ok: true, key }
  return {
    ok: false,
    problem:
      `${SECRET_KEY_FILE} is damaged (${key.length} bytes, expected ${KEY_BYTES}): kept passwords cannot be ` +
      `read. Restore ${file} from a backup, or remove it to start over — the kept passwords are then lost.`,
  }
}
