// Files only the VIM's user may read (tokens, keys, sealed passwords, pinned host and agent keys): written
// atomically with mode 0600, and their modes (and the data directory's, 0700) put right at start.
import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  closeSync,
  fsyncSync,
  lstatSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { chmod, open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { errorMessage } from '../../shared/issues'

/** The data directory's secrets, by name; each is made 0600 at start when present. */
export const PRIVATE_FILES = [
  'api-token',
  'join-token',
  'secret.key',
  'hosts.json',
  'known_hosts.json',
  'agent-keys.json',
  'hub-key.pem',
] as const

const windows = process.platform === 'win32'

function temporaryName(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
}

/**
 * Replaces `file` with `data`, readable by its owner only. A reader (or a crash) sees the old file or the
 * new one, never a torn one: the data is complete and flushed in a 0600 temp file of the same directory
 * before the rename replaces the old file in one step.
 */
export function writePrivateFileSync(file: string, data: string | Uint8Array): void {
  const temporary = temporaryName(file)
  try {
    const fd = openSync(temporary, 'wx', 0o600)
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
      let written = 0
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    // The umask may have narrowed the mode; chmod makes it exact (it never widens it beyond 0600).
    if (!windows) chmodSync(temporary, 0o600)
    renameSync(temporary, file)
  } catch (error) {
    try {
      unlinkSync(temporary)
    } catch {}
    throw error
  }
  syncDirectorySync(dirname(file))
}

/** `writePrivateFileSync` for async callers; `mode` 0644 for a public file such as a certificate. */
export async function writePrivateFile(file: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const temporary = temporaryName(file)
  try {
    const handle = await open(temporary, 'wx', mode)
    try {
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    if (!windows) await chmod(temporary, mode)
    await rename(temporary, file)
  } catch (error) {
    await unlink(temporary).catch(() => {})
    throw error
  }
  syncDirectorySync(dirname(file))
}

// Makes the rename survive a power cut; some file systems refuse, which only weakens that guarantee.
function syncDirectorySync(dir: string): void {
  if (windows) return
  try {
    const fd = openSync(dir, 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch {}
}

/**
 * Forces the data directory to 0700 and each secret in it to 0600 (a copy, a restore or an archive
 * tool may have loosened them). Returns one warning per fix, naming the file and its old mode.
 * Symbolic links and other non-regular files are left alone: chmod would change what they point at.
 */
export function enforcePrivateModes(dataDir: string, files: readonly string[] = PRIVATE_FILES): string[] {
  if (windows) return []
  const warnings: string[] = []
  const fix = (path: string, wanted: number, what: string) => {
    let mode: number
    try {
      const stat = lstatSync(path)
      if (!(stat.isFile() || stat.isDirectory())) return
      mode = stat.mode & 0o777
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
      warnings.push(`${what} ${path} could not be checked (${errorMessage(error)})`)
      return
    }
    if ((mode & 0o077) === 0) return
    try {
      chmodSync(path, wanted)
    } catch (error) {
      // Not ours to change (another owner): say so rather than refuse to start.
      warnings.push(
        `${what} ${path} has mode ${octal(mode)}, readable by other users, and could not be made ${octal(wanted)} (${errorMessage(error)}): fix it by hand`,
      )
      return
    }
    warnings.push(
      `${what} ${path} had mode ${octal(mode)}, readable by other users; it is now ${octal(wanted)}`,
    )
  }
  fix(dataDir, 0o700, 'The data directory')
  for (const name of files) fix(join(dataDir, name), 0o600, 'The secret file')
  return warnings
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`
}
