// ed25519 key pairs without a passphrase (the users' and the hosts'), made by ssh-keygen, and the
// fingerprint OpenSSH shows for a public key.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { run } from './run.mjs'

export function generateKey(file, comment) {
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file])
}

/** `SHA256:...` of the key in an OpenSSH public key file. */
export function fingerprintOf(publicKeyFile) {
  const blob = readFileSync(publicKeyFile, 'utf8').trim().split(/\s+/)[1]
  const digest = createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64')
  return `SHA256:${digest.replace(/=+$/, '')}`
}
