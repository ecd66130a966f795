// The hub's TLS identity: a self-signed certificate made on the VIM's first run and kept in its data
// directory, so that its fingerprint, which every agent pins with --ca-fingerprint, survives restarts.
//
// A new certificate changes the fingerprint and locks out every agent pinned to the old one, so it is made
// only when there is none or the stored pair cannot be used (unreadable, not PEM, key and certificate not
// a pair), with the reason logged. An expired certificate is kept: agents pin the exact certificate and do
// not check its dates, and the default validity is 20 years anyway.
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { chmod, mkdir, readFile, stat } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { generate } from 'selfsigned'
import { certificateFingerprint } from '../../shared/protocol/auth'
import { writePrivateFile } from '../config/private-file'
import { log } from '../log'
import type { HubLogger } from './hub-options'

export const CERT_FILE = 'hub-cert.pem'
export const KEY_FILE = 'hub-key.pem'

export interface HubCertificate {
  /** PEM. */
  cert: string
  /** PEM (PKCS#8). */
  key: string
  /** `SHA256:AB:CD:…`, as agents take it in --ca-fingerprint. */
  fingerprint: string
}

export interface LoadedHubCertificate extends HubCertificate {
  /** `created`: first run; `regenerated`: the stored pair was unusable (see `reason`). */
  origin: 'loaded' | 'created' | 'regenerated'
  /** Why a certificate was made; undefined when the stored one was loaded. */
  reason?: string
}

export interface HubCertificateOptions {
  logger?: HubLogger
  /** Extra DNS names or IP addresses for the certificate (agents pin it, so these are informative). */
  altNames?: string[]
  validityDays?: number
}

const DEFAULT_VALIDITY_DAYS = 20 * 365

type Stored = { ok: true; pair: HubCertificate } | { ok: false; reason: string; firstRun: boolean }

export async function loadOrCreateHubCertificate(
  dataDir: string,
  options: HubCertificateOptions = {},
): Promise<LoadedHubCertificate> {
  const logger = options.logger ?? { info: (m: string) => log.info(m), warn: (m: string) => log.warn(m) }
  const certFile = join(dataDir, CERT_FILE)
  const keyFile = join(dataDir, KEY_FILE)
  const stored = await readStoredPair(certFile, keyFile)
  if (stored.ok) {
    await keepPrivate(keyFile)
    return { ...stored.pair, origin: 'loaded' }
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 }).catch((error: Error) => {
    throw new Error(
      `cannot create the VIM's data directory ${dataDir} for the hub's certificate: ${error.message}`,
    )
  })
  const made = await makeCertificate(options)
  // The key first: a crash between the two renames leaves a pair that does not match, which the next
  // start detects and replaces, rather than a certificate whose key is lost.
  await writeAtomically(keyFile, made.key, 0o600)
  await writeAtomically(certFile, made.cert, 0o644)
  if (stored.firstRun) {
    logger.info(
      `hub: created a self-signed TLS certificate in ${dataDir}; agents pin it with --ca-fingerprint ${made.fingerprint}`,
    )
    return { ...made, origin: 'created', reason: stored.reason }
  }
  logger.warn(
    `hub: made a new TLS certificate because ${stored.reason}; agents pinned to the old one need the new --ca-fingerprint ${made.fingerprint}`,
  )
  return { ...made, origin: 'regenerated', reason: stored.reason }
}

async function readStoredPair(certFile: string, keyFile: string): Promise<Stored> {
  const cert = await readText(certFile)
  const key = await readText(keyFile)
  if (cert.missing && key.missing)
    return { ok: false, reason: 'there was none yet (first run)', firstRun: true }
  const problem = [cert, key].find((file) => file.problem !== undefined)?.problem
  if (problem !== undefined) return { ok: false, reason: problem, firstRun: false }
  let x509: X509Certificate
  try {
    x509 = new X509Certificate(cert.text!)
  } catch {
    return { ok: false, reason: `${certFile} does not hold a PEM certificate`, firstRun: false }
  }
  let privateKey: ReturnType<typeof createPrivateKey>
  try {
    privateKey = createPrivateKey(key.text!)
  } catch {
    return { ok: false, reason: `${keyFile} does not hold a PEM private key`, firstRun: false }
  }
  if (!x509.checkPrivateKey(privateKey)) {
    return {
      ok: false,
      reason: `the key in ${keyFile} does not belong to the certificate in ${certFile}`,
      firstRun: false,
    }
  }
  return {
    ok: true,
    pair: { cert: cert.text!, key: key.text!, fingerprint: certificateFingerprint(cert.text!) },
  }
}

async function readText(file: string): Promise<{ text?: string; missing?: boolean; problem?: string }> {
  try {
    return { text: await readFile(file, 'utf8') }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return { missing: true, problem: `${file} is missing` }
    return { problem: `${file} cannot be read (${code ?? (error as Error).message})` }
  }
}

async function makeCertificate(options: HubCertificateOptions): Promise<HubCertificate> {
  const names = ['localhost', hostname(), ...(options.altNames ?? [])]
  const altNames = [...new Set(names)].map((name) =>
    /^[\d.]+$|:/.test(name) ? { type: 7 as const, ip: name } : { type: 2 as const, value: name },
  )
  const notBeforeDate = new Date(Date.now() - 60_000)
  const days = options.validityDays ?? DEFAULT_VALIDITY_DAYS
  const made = await generate([{ name: 'commonName', value: 'Auto Cloud Scaler VIM agent hub' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + days * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...altNames, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }],
      },
    ],
  })
  return { cert: made.cert, key: made.private, fingerprint: certificateFingerprint(made.cert) }
}

/** Readers see all or nothing (see writePrivateFile); the error names the file. */
async function writeAtomically(file: string, text: string, mode: number): Promise<void> {
  try {
    await writePrivateFile(file, text, mode)
  } catch (error) {
    throw new Error(`cannot write the hub's TLS file ${file}: ${(error as Error).message}`)
  }
}

/** Someone may have loosened the key's mode (a copy, a restore); it stays readable by its owner only. */
async function keepPrivate(keyFile: string): Promise<void> {
  if (process.platform === 'win32') return
  const { mode } = await stat(keyFile)
  if ((mode & 0o077) !== 0) await chmod(keyFile, 0o600)
}
