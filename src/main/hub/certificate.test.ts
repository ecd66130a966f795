// The hub's certificate on disk: made once, kept across restarts, replaced only when unusable.
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { certificateFingerprint } from '../../shared/protocol/auth'
import { CERT_FILE, KEY_FILE, loadOrCreateHubCertificate } from './certificate'

let dir = ''
let logs: string[] = []
const logger = { info: (m: string) => logs.push(`info ${m}`), warn: (m: string) => logs.push(`warn ${m}`) }

beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'acs-hub-cert-')), 'data')
  logs = []
})
afterEach(() => rm(join(dir, '..'), { recursive: true, force: true }))

const mode = async (file: string) => (await stat(join(dir, file))).mode & 0o777

describe('loadOrCreateHubCertificate', () => {
  it('creates a private key (0600) and a certificate on first run, and says so', async () => {
    const made = await loadOrCreateHubCertificate(dir, { logger })
    expect(made.origin).toBe('created')
    expect(made.fingerprint).toMatch(/^SHA256:([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
    expect(made.fingerprint).toBe(certificateFingerprint(made.cert))
    expect(new X509Certificate(made.cert).checkPrivateKey(createPrivateKey(made.key))).toBe(true)
    expect(await readFile(join(dir, KEY_FILE), 'utf8')).toBe(made.key)
    expect(await readFile(join(dir, CERT_FILE), 'utf8')).toBe(made.cert)
    if (process.platform !== 'win32') {
      expect(await mode(KEY_FILE)).toBe(0o600)
      expect((await stat(dir)).mode & 0o777).toBe(0o700)
    }
    // Written atomically: no temporary file is left behind.
    expect((await readdir(dir)).sort()).toEqual([CERT_FILE, KEY_FILE])
    expect(logs).toEqual([
      `info hub: created a self-signed TLS certificate in ${dir}; agents pin it with --ca-fingerprint ${made.fingerprint}`,
    ])
  })

  it('loads the same certificate on the next start, without logging or rewriting it', async () => {
    const first = await loadOrCreateHubCertificate(dir, { logger })
    const before = (await stat(join(dir, CERT_FILE))).mtimeMs
    logs = []
    const second = await loadOrCreateHubCertificate(dir, { logger })
    expect(second).toEqual({
      cert: first.cert,
      key: first.key,
      fingerprint: first.fingerprint,
      origin: 'loaded',
    })
    expect((await stat(join(dir, CERT_FILE))).mtimeMs).toBe(before)
    expect(logs).toEqual([])
  })

  it.skipIf(process.platform === 'win32')('tightens a key file whose mode was loosened', async () => {
    await loadOrCreateHubCertificate(dir, { logger })
    await chmod(join(dir, KEY_FILE), 0o644)
    expect((await loadOrCreateHubCertificate(dir, { logger })).origin).toBe('loaded')
    expect(await mode(KEY_FILE)).toBe(0o600)
  })

  it.each<[string, () => Promise<void>, RegExp]>([
    ['the key is missing', () => rm(join(dir, KEY_FILE)), /hub-key\.pem is missing$/],
    ['the certificate is missing', () => rm(join(dir, CERT_FILE)), /hub-cert\.pem is missing$/],
    [
      'the certificate is garbage',
      () => writeFile(join(dir, CERT_FILE), 'not a certificate'),
      /hub-cert\.pem does not hold a PEM certificate$/,
    ],
    [
      'the key is garbage',
      () => writeFile(join(dir, KEY_FILE), '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'),
      /hub-key\.pem does not hold a PEM private key$/,
    ],
    [
      'the key belongs to another certificate',
      async () => {
        const other = await mkdtemp(join(tmpdir(), 'acs-hub-cert-other-'))
        const made = await loadOrCreateHubCertificate(other, { logger: { info() {}, warn() {} } })
        await writeFile(join(dir, KEY_FILE), made.key)
        await rm(other, { recursive: true, force: true })
      },
      /the key in .*hub-key\.pem does not belong to the certificate in .*hub-cert\.pem$/,
    ],
  ])('makes a new one, with the reason, when %s', async (_, damage, reason) => {
    const first = await loadOrCreateHubCertificate(dir, { logger })
    await damage()
    logs = []
    const second = await loadOrCreateHubCertificate(dir, { logger })
    expect(second.origin).toBe('regenerated')
    expect(second.reason).toMatch(reason)
    expect(second.fingerprint).not.toBe(first.fingerprint)
    expect(logs).toEqual([
      expect.stringMatching(/^warn hub: made a new TLS certificate because .*--ca-fingerprint SHA256:/),
    ])
    expect((await loadOrCreateHubCertificate(dir, { logger })).fingerprint).toBe(second.fingerprint)
  })

  it.skipIf(process.platform === 'win32' || process.getuid?.() === 0)(
    'makes a new one when the key cannot be read',
    async () => {
      await loadOrCreateHubCertificate(dir, { logger })
      await chmod(join(dir, KEY_FILE), 0o000)
      const second = await loadOrCreateHubCertificate(dir, { logger })
      expect(second.reason).toMatch(/hub-key\.pem cannot be read \(EACCES\)$/)
    },
  )

  it('says which file it can neither read nor replace', async () => {
    await loadOrCreateHubCertificate(dir, { logger })
    await rm(join(dir, KEY_FILE))
    await mkdir(join(dir, KEY_FILE))
    await expect(loadOrCreateHubCertificate(dir, { logger })).rejects.toThrow(
      `cannot write the hub's TLS file ${join(dir, KEY_FILE)}`,
    )
    expect((await readdir(dir)).sort()).toEqual([CERT_FILE, KEY_FILE])
  })

  it('says when the data directory cannot be made', async () => {
    const blocker = join(dir, '..', 'blocker')
    await writeFile(blocker, '')
    await expect(loadOrCreateHubCertificate(join(blocker, 'data'), { logger })).rejects.toThrow(
      `cannot create the VIM's data directory ${join(blocker, 'data')} for the hub's certificate`,
    )
  })
})
