// Files the lab writes, with exactly the modes it means (chmod after writing: the umask would narrow
// them), and JSON read back leniently (a missing or half-written file reads as undefined).
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'

export function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return undefined
  }
}

/** Replaces `file` at once (through a rename), so that a reader never sees half of it. */
export function writeJson(file, value, mode = 0o600) {
  writeFileSync(`${file}.tmp`, `${JSON.stringify(value, null, 2)}\n`, { mode })
  chmodSync(`${file}.tmp`, mode)
  renameSync(`${file}.tmp`, file)
}

export function makeDir(path, mode = 0o755) {
  mkdirSync(path, { recursive: true })
  chmodSync(path, mode)
}

export function writeFile(path, text, mode = 0o644) {
  writeFileSync(path, text, { mode })
  chmodSync(path, mode)
}

export function chownTree(path, uid, gid) {
  chownSync(path, uid, gid)
  if (lstatSync(path).isDirectory())
    for (const entry of readdirSync(path)) chownTree(join(path, entry), uid, gid)
}
