// Reading an SSH private key named by a user (or by anyone holding the API token): only a regular file of
// key size is read, so that a FIFO, a device or a huge file cannot hang the VIM or fill its memory.
import { constants } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { errorMessage } from '../../shared/issues'

/** An OpenSSH RSA-16384 key is under 13 KiB; 64 KiB leaves room for any real key and its comment. */
export const MAX_KEY_FILE_BYTES = 64 * 1024

/** Why `path` cannot be a key file, or undefined when it can (a missing file is for the deploy to say). */
export async function keyFileProblem(path: string): Promise<string | undefined> {
  let info: Awaited<ReturnType<typeof stat>>
  try {
    info = await stat(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    return `Cannot read the SSH key ${path}: ${errorMessage(error)}`
  }
  return kindProblem(path, info)
}

/**
 * Reads the key: opened without blocking (a FIFO would otherwise wait for a writer forever), checked on
 * the open file itself (so a swap after the check changes nothing), then read up to the limit.
 */
export async function readKeyFile(path: string): Promise<Buffer> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
  try {
    const problem = kindProblem(path, await handle.stat())
    if (problem) throw new Error(problem)
    const buffer = Buffer.alloc(MAX_KEY_FILE_BYTES + 1)
    let length = 0
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null)
      if (bytesRead === 0) break
      length += bytesRead
      if (length > MAX_KEY_FILE_BYTES) throw new Error(tooBig(path))
    }
    return buffer.subarray(0, length)
  } finally {
    await handle.close()
  }
}

function kindProblem(
  path: string,
  info: { isFile(): boolean; isDirectory(): boolean; size: number },
): string | undefined {
  if (info.isDirectory())
    return `The SSH key ${path} is a directory: choose the private key file in it (e.g. id_ed25519)`
  if (!info.isFile())
    return `The SSH key ${path} is not a regular file (a pipe, a socket or a device): choose a private key file`
  if (info.size > MAX_KEY_FILE_BYTES) return tooBig(path)
  return undefined
}

function tooBig(path: string): string {
  return `The SSH key ${path} is larger than ${MAX_KEY_FILE_BYTES / 1024} KiB, so it is not a private key: choose the key file (e.g. ~/.ssh/id_ed25519)`
}
