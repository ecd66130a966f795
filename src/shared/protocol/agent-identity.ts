// Each agent's own key pair: the proof that a hello comes from the agent the VIM pinned for a VM name
// (trust on first use, like SSH host keys). Uses node:crypto and node:fs: only the hub, the VIM's
// providers and the agent import this file, never the renderer.
//
// Form on the wire: `publicKey` is the base64 of the Ed25519 key's SPKI DER (60 characters);
// `signature` is the base64 Ed25519 signature (88 characters) over
// `auto-cloud-scaler/identity/v1\n<nonce>\n<vmName>\n<agentId>\n<hmac>`, so one signature is bound to this
// connection's challenge, this VM name and this join-token proof, and is useless anywhere else.
// Fingerprints are `SHA256:AB:CD:…` over the SPKI DER, the same form as the hub certificate's.
// On disk the private key is PKCS#8 PEM, mode 0600.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto'
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { dirname } from 'node:path'
import { fingerprintOfBytes } from './auth'

const IDENTITY_LABEL = 'auto-cloud-scaler/identity/v1'

/** A key file larger than this is not a key: refused before it is read whole. */
export const MAX_KEY_FILE_BYTES = 64 * 1024

export interface AgentKey {
  readonly privateKey: KeyObject
  /** Base64 of the SPKI DER, as sent in `hello.identity.publicKey`. */
  readonly publicKey: string
  readonly fingerprint: string
}

/** What one signature covers. No field may contain a newline (the message schemas forbid it). */
export interface IdentityClaim {
  nonce: string
  vmName: string
  agentId: string
  hmac: string
}

export function generateAgentKey(): AgentKey {
  return fromPrivateKey(generateKeyPairSync('ed25519').privateKey)
}

/** The key in a PKCS#8 PEM text. Throws an Error saying what is wrong. */
export function agentKeyFromPem(pem: string): AgentKey {
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' })
  } catch {
    throw new Error('not a private key in PEM form')
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`an ${privateKey.asymmetricKeyType ?? 'unknown'} key, not an Ed25519 key`)
  }
  return fromPrivateKey(privateKey)
}

/** The PEM text a key file holds. */
export function agentKeyPem(key: AgentKey): string {
  return key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
}

/** The fingerprint of a public key in wire form; undefined if it is not an Ed25519 public key. */
export function publicKeyFingerprint(publicKey: string): string | undefined {
  const key = parsePublicKey(publicKey)
  return key ? fingerprintOfBytes(key.export({ format: 'der', type: 'spki' })) : undefined
}

/** The string a signature covers; throws if a field holds a newline. */
export function identityInput(claim: IdentityClaim): string {
  const fields = [claim.nonce, claim.vmName, claim.agentId, claim.hmac]
  if (fields.some((field) => field.includes('\n'))) {
    throw new RangeError('identity fields must not contain a newline')
  }
  return [IDENTITY_LABEL, ...fields].join('\n')
}

/** The base64 signature an agent sends in `hello.identity.signature`. */
export function signIdentity(key: AgentKey, claim: IdentityClaim): string {
  return sign(null, Buffer.from(identityInput(claim)), key.privateKey).toString('base64')
}

/** Whether `signature` was made for this claim by the private half of `publicKey`. Never throws. */
export function verifyIdentity(publicKey: string, signature: string, claim: IdentityClaim): boolean {
  try {
    const key = parsePublicKey(publicKey)
    if (!key || !/^[A-Za-z0-9+/]{86}==$/.test(signature)) return false
    return verify(null, Buffer.from(identityInput(claim)), key, Buffer.from(signature, 'base64'))
  } catch {
    return false
  }
}

// --- Key files ---------------------------------------------------------------------------------------

export interface LoadedAgentKey {
  key: AgentKey
  /** True when the file did not exist and was made now. */
  created: boolean
  /** Set when the file was readable by others and its mode was fixed to 0600. */
  warning?: string
}

/**
 * The key kept in `path`, made on first use (mode 0600, its directory 0700). A file that exists but is
 * not a key is an Error naming the file: it is never replaced, since the VIM has its public half pinned.
 */
export function loadOrCreateAgentKey(path: string): LoadedAgentKey {
  const existing = readKeyFile(path)
  if (existing) {
    const mode = statSync(path).mode & 0o777
    if ((mode & 0o077) === 0) return { key: existing, created: false }
    chmodSync(path, 0o600)
    const warning = `the agent key ${path} had mode ${mode.toString(8).padStart(4, '0')}, readable by others; it is now 0600`
    return { key: existing, created: false, warning }
  }
  const key = generateAgentKey()
  if (writeAgentKeyFile(path, key)) return { key, created: true }
  // Another process made it between our look and our write: use theirs.
  return { key: readKeyFile(path) ?? key, created: false }
}

/**
 * Writes a new key file atomically (temporary file, fsync, hard link into place) with mode 0600.
 * Returns false and leaves the existing file alone if `path` already exists.
 */
export function writeAgentKeyFile(path: string, key: AgentKey): boolean {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`
  const fd = openSync(temporary, 'wx', 0o600)
  try {
    writeSync(fd, agentKeyPem(key))
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  try {
    linkSync(temporary, path)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw new Error(`cannot write the agent key ${path}: ${(error as Error).message}`)
  } finally {
    unlinkSync(temporary)
  }
}

function readKeyFile(path: string): AgentKey | undefined {
  const damaged = (why: string) =>
    new Error(
      `the agent key ${path} is unusable: ${why}. It is never replaced on its own, because the VIM trusts ` +
        "its public half: restore it, or move it aside and forget this VM's agent key in the VIM",
    )
  let stats: ReturnType<typeof statSync>
  try {
    stats = statSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw damaged((error as Error).message)
  }
  if (!stats.isFile()) throw damaged('it is not a regular file')
  if (stats.size > MAX_KEY_FILE_BYTES) throw damaged(`it is larger than ${MAX_KEY_FILE_BYTES / 1024} KiB`)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw damaged((error as Error).message)
  }
  try {
    return agentKeyFromPem(text)
  } catch (error) {
    throw damaged((error as Error).message)
  }
}

function fromPrivateKey(privateKey: KeyObject): AgentKey {
  const der = createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
  return { privateKey, publicKey: der.toString('base64'), fingerprint: fingerprintOfBytes(der) }
}

/** Only the canonical base64 of an Ed25519 SPKI key: one key has exactly one wire form (one pin). */
function parsePublicKey(text: string): KeyObject | undefined {
  try {
    if (!/^[A-Za-z0-9+/]{40,200}={0,2}$/.test(text)) return undefined
    const der = Buffer.from(text, 'base64')
    if (der.toString('base64') !== text) return undefined
    const key = createPublicKey({ key: der, format: 'der', type: 'spki' })
    return key.asymmetricKeyType === 'ed25519' ? key : undefined
  } catch {
    return undefined
  }
}
