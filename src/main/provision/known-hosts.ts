// Trust on first use for SSH host keys: the first key a host shows is recorded in known_hosts.json in the
// VIM's data directory; a different key later is refused until the user forgets the old one.
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import { writePrivateFileSync } from '../config/private-file'

export const KNOWN_HOSTS_FILE = 'known_hosts.json'

const KnownHost = z.object({
  algorithm: z.string(),
  fingerprint: z.string().startsWith('SHA256:'),
  firstSeen: z.string(),
})
export type KnownHost = z.infer<typeof KnownHost>
const KnownHostsFile = z.record(z.string(), KnownHost)

export interface PresentedKey {
  algorithm: string
  fingerprint: string
}

/** OpenSSH's form, `SHA256:` + unpadded base64 of the key blob's SHA-256, as `ssh-keygen -lf` prints it. */
export function hostKeyFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`
}

/** The key type named at the start of an SSH public key blob, e.g. `ssh-ed25519`. */
export function hostKeyAlgorithm(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown'
  const length = keyBlob.readUInt32BE(0)
  if (length < 1 || length > 64 || keyBlob.length < 4 + length) return 'unknown'
  return keyBlob.subarray(4, 4 + length).toString('latin1')
}

export function presentedKey(keyBlob: Buffer): PresentedKey {
  return { algorithm: hostKeyAlgorithm(keyBlob), fingerprint: hostKeyFingerprint(keyBlob) }
}

/** `[::1]:22` for IPv6, `host:22` otherwise: the key under which a host is stored. */
export function hostKeyId(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

export type HostKeyCheck =
  | { kind: 'trusted' }
  | { kind: 'new' }
  | { kind: 'changed'; known: KnownHost; message: string }

/** The decision on a presented key: the same as before, first seen, or changed (refused). */
export function checkHostKey(
  hostLabel: string,
  known: KnownHost | undefined,
  presented: PresentedKey,
): HostKeyCheck {
  if (!known) return { kind: 'new' }
  if (known.fingerprint === presented.fingerprint) return { kind: 'trusted' }
  return {
    kind: 'changed',
    known,
    message:
      `The host key of ${hostLabel} has changed: it was ${known.fingerprint} (${known.algorithm}, trusted since ` +
      `${known.firstSeen}) and is now ${presented.fingerprint} (${presented.algorithm}). This may be an ` +
      "attack, so the VIM refuses to connect. If the host was reinstalled, choose 'Forget host key' and deploy again.",
  }
}

/** known_hosts.json, read once and written atomically on every change. */
export class KnownHosts {
  private readonly path: string
  private hosts: Record<string, KnownHost> | undefined

  constructor(dataDir: string) {
    this.path = join(dataDir, KNOWN_HOSTS_FILE)
  }

  get(host: string, port: number): KnownHost | undefined {
    return this.load()[hostKeyId(host, port)]
  }

  trust(host: string, port: number, key: PresentedKey, now = new Date()): KnownHost {
    const entry = { algorithm: key.algorithm, fingerprint: key.fingerprint, firstSeen: now.toISOString() }
    this.save({ ...this.load(), [hostKeyId(host, port)]: entry })
    return entry
  }

  /** Forgets the key of host:port; returns its fingerprint, or null when none was known. */
  forget(host: string, port: number): string | null {
    const hosts = { ...this.load() }
    const id = hostKeyId(host, port)
    const known = hosts[id]
    if (!known) return null
    delete hosts[id]
    this.save(hosts)
    return known.fingerprint
  }

  private load(): Record<string, KnownHost> {
    if (this.hosts) return this.hosts
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      this.hosts = {}
      return this.hosts
    }
    const parsed = KnownHostsFile.safeParse(safeJson(text))
    if (!parsed.success) {
      // Silently starting over would trust any key again: the user must look at the file.
      throw new Error(
        `${this.path} is not a valid known-hosts file; fix or delete it (deleting it trusts every host again on next deploy)`,
      )
    }
    this.hosts = parsed.data
    return this.hosts
  }

  private save(hosts: Record<string, KnownHost>): void {
    mkdirSync(dirname(this.path), { recursive: true })
    writePrivateFileSync(this.path, `${JSON.stringify(hosts, null, 2)}\n`)
    this.hosts = hosts
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
