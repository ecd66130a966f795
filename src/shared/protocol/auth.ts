// The agent's proof of the join token (kubeadm-style) and the certificate fingerprint used for TLS pinning.
// Uses node:crypto: only the hub and the agent import this file, never the renderer.
//
// Handshake: the hub sends a fresh random nonce (`challenge`); the agent answers with
// HMAC-SHA256(key = join token, data = canonical(nonce, agentId)) in its `hello`. The token itself never
// crosses the wire, and a proof is useless for any other nonce or agent id.
//
// Replay protection is the hub's job: it makes a new nonce for every connection, accepts at most one hello
// per nonce, and forgets the nonce when the connection closes or the handshake times out. So a recorded
// hello cannot be replayed on another connection. A relay by an impostor VIM is stopped by TLS pinning
// (`certificateFingerprint`), which the agent checks before it sends anything.
import { createHash, createHmac, randomBytes, timingSafeEqual, X509Certificate } from 'node:crypto'

/** Prefix of the proved string: a proof made for this protocol means nothing anywhere else. */
const PROOF_LABEL = 'auto-cloud-scaler/join/v1'

/** A single-use server nonce: 32 random bytes as base64url (43 characters). */
export function createNonce(): string {
  return randomBytes(32).toString('base64url')
}

/** A new join token to hand out at provisioning: 32 random bytes as base64url. */
export function createJoinToken(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * The string the HMAC covers: `auto-cloud-scaler/join/v1\n<nonce>\n<agentId>`. Newlines separate the
 * fields, so neither field may contain one (the message schemas already forbid it).
 */
export function proofInput(nonce: string, agentId: string): string {
  if (nonce.includes('\n') || agentId.includes('\n')) {
    throw new RangeError('the nonce and the agent id must not contain a newline')
  }
  return `${PROOF_LABEL}\n${nonce}\n${agentId}`
}

/** The proof an agent sends in `hello.auth.hmac`: 64 lowercase hex digits. */
export function proveToken(token: string, nonce: string, agentId: string): string {
  if (token.length === 0) throw new RangeError('the join token is empty')
  return createHmac('sha256', token).update(proofInput(nonce, agentId)).digest('hex')
}

/** Whether `proof` was made with `token` for this nonce and agent id. Constant-time; never throws. */
export function verifyProof(token: string, nonce: string, agentId: string, proof: string): boolean {
  if (token.length === 0 || !/^[0-9a-f]{64}$/.test(proof)) return false
  if (nonce.includes('\n') || agentId.includes('\n')) return false
  const expected = Buffer.from(proveToken(token, nonce, agentId), 'hex')
  return timingSafeEqual(expected, Buffer.from(proof, 'hex'))
}

// --- Certificate fingerprints ----------------------------------------------------------------------
//
// Format: `SHA256:` then the SHA-256 of the certificate's DER bytes as uppercase hex pairs joined by ':'
// (`SHA256:AB:CD:...`, 102 characters). The part after the prefix is exactly what
// `openssl x509 -noout -fingerprint -sha256` and Node's `cert.fingerprint256` print, so a person can
// compare them by eye. `normalizeFingerprint` also accepts those forms, lowercase, and bare hex.

const FINGERPRINT_PREFIX = 'SHA256:'

/** The fingerprint of a certificate given as PEM text or DER bytes. Throws if it is not a certificate. */
export function certificateFingerprint(derOrPem: string | Uint8Array): string {
  let der: Uint8Array
  try {
    der = new X509Certificate(derOrPem).raw
  } catch {
    throw new Error('not an X.509 certificate in PEM or DER form')
  }
  return fingerprintOfBytes(der)
}

/** The `SHA256:AB:CD:…` fingerprint of any bytes (a certificate's DER, an agent key's SPKI DER). */
export function fingerprintOfBytes(bytes: Uint8Array): string {
  return formatFingerprint(createHash('sha256').update(bytes).digest('hex'))
}

/**
 * A fingerprint in the canonical form, from any of: `SHA256:AB:CD:…`, `sha256 Fingerprint=AB:CD:…`
 * (openssl), `AB:CD:…` (Node), `sha256:abcd…` or 64 bare hex digits. Undefined if it is none of these.
 */
export function normalizeFingerprint(text: string): string | undefined {
  const hex = text
    .trim()
    .replace(/^sha-?256(\s+fingerprint)?\s*[:=]?\s*/i, '')
    .replace(/[:\s]/g, '')
  return /^[0-9a-fA-F]{64}$/.test(hex) ? formatFingerprint(hex) : undefined
}

/** Whether two fingerprints (in any accepted form) name the same certificate. */
export function fingerprintsMatch(a: string, b: string): boolean {
  const left = normalizeFingerprint(a)
  const right = normalizeFingerprint(b)
  return left !== undefined && left === right
}

function formatFingerprint(hex: string): string {
  return FINGERPRINT_PREFIX + (hex.toUpperCase().match(/../g) ?? []).join(':')
}
