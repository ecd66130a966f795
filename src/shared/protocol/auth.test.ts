// The join-token proof and certificate fingerprints: right and wrong tokens, nonces, ids; accepted formats.
import { createHmac, X509Certificate } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  certificateFingerprint,
  createJoinToken,
  createNonce,
  fingerprintsMatch,
  normalizeFingerprint,
  proveToken,
  verifyProof,
} from './auth'
import { Nonce } from './messages'

const token = 'abcdef.0123456789abcdef'
const nonce = 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c'
const agentId = 'lab-1'

describe('join token proof', () => {
  it('is the HMAC-SHA256 of the documented canonical string, keyed by the token', () => {
    const expected = createHmac('sha256', token)
      .update(`auto-cloud-scaler/join/v1\n${nonce}\n${agentId}`)
      .digest('hex')
    expect(proveToken(token, nonce, agentId)).toBe(expected)
    expect(expected).toMatch(/^[0-9a-f]{64}$/)
  })

  it('verifies with the right token, nonce and agent id', () => {
    expect(verifyProof(token, nonce, agentId, proveToken(token, nonce, agentId))).toBe(true)
  })

  it.each<[string, { token?: string; nonce?: string; agentId?: string }]>([
    ['a wrong token', { token: 'abcdef.0123456789abcdeX' }],
    ['another nonce', { nonce: createNonce() }],
    ['another agent id', { agentId: 'lab-2' }],
  ])('refuses a proof made with %s', (_, change) => {
    const proof = proveToken(change.token ?? token, change.nonce ?? nonce, change.agentId ?? agentId)
    expect(verifyProof(token, nonce, agentId, proof)).toBe(false)
  })

  it.each([
    ['empty', ''],
    ['short', 'abcd'],
    ['not hex', 'z'.repeat(64)],
    ['uppercase', proveToken(token, nonce, agentId).toUpperCase()],
    ['too long', `${proveToken(token, nonce, agentId)}00`],
  ])('refuses a malformed proof (%s) without throwing', (_, proof) => {
    expect(verifyProof(token, nonce, agentId, proof)).toBe(false)
  })

  it('refuses everything for an empty token, and will not prove one', () => {
    expect(verifyProof('', nonce, agentId, '0'.repeat(64))).toBe(false)
    expect(() => proveToken('', nonce, agentId)).toThrow(/empty/)
  })

  it('keeps the fields apart: a newline cannot shift one into the other', () => {
    expect(() => proveToken(token, `${nonce}\nx`, agentId)).toThrow(RangeError)
    expect(verifyProof(token, `${nonce}\n`, agentId, proveToken(token, nonce, agentId))).toBe(false)
  })

  it('makes nonces and tokens that are fresh and fit the schema', () => {
    const nonces = new Set(Array.from({ length: 200 }, createNonce))
    expect(nonces.size).toBe(200)
    for (const n of nonces) expect(Nonce.safeParse(n).success).toBe(true)
    expect(createJoinToken()).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(createJoinToken()).not.toBe(createJoinToken())
  })
})

// A self-signed EC certificate made once with openssl; its fingerprint as `openssl x509 -fingerprint -sha256`
// printed it.
const fixturePem = `-----BEGIN CERTIFICATE-----
MIIBqTCCAU+gAwIBAgIUHl/C81JNR6vbOBoLEnrmW/CC7VIwCgYIKoZIzj0EAwIw
KTEnMCUGA1UEAwweZml4dHVyZS5hdXRvLWNsb3VkLXNjYWxlci50ZXN0MCAXDTI2
MTEyNzIyMDM0N1oYDzIxMjYxMTAzMjIwMzQ3WjApMScwJQYDVQQDDB5maXh0dXJl
LmF1dG8tY2xvdWQtc2NhbGVyLnRlc3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC
AAQsWK1GWOZjTBFqBtGuu20ZukmoRR8W+pm81X9wfhOIlUGEgF06nuOaV6Xe+b7k
65FY6GIBqLaADchPfbo54v8bo1MwUTAdBgNVHQ4EFgQU7s2RehVlqXUjDg0xfIG3
uRwsFKQwHwYDVR0jBBgwFoAU7s2RehVlqXUjDg0xfIG3uRwsFKQwDwYDVR0TAQH/
BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiAs45KYmvnodKabno8dOm7PBFoxyjNf
WCud4aCc/qEAxAIhAK84A9DvM6dsSPL3Xlk+O4UHZ623ftW5druy9R7XxiTQ
-----END CERTIFICATE-----
`
const opensslOutput =
  'sha256 Fingerprint=95:A9:EF:D4:2A:60:8A:2C:30:B3:53:20:68:74:7E:15:83:77:00:58:ED:21:0D:12:12:1B:21:4A:9E:5A:7B:C9'
const canonical =
  'SHA256:95:A9:EF:D4:2A:60:8A:2C:30:B3:53:20:68:74:7E:15:83:77:00:58:ED:21:0D:12:12:1B:21:4A:9E:5A:7B:C9'

describe('certificate fingerprints', () => {
  it('is SHA256: plus the colon-separated hex that openssl and Node print, from PEM or DER', () => {
    expect(certificateFingerprint(fixturePem)).toBe(canonical)
    const der = new X509Certificate(fixturePem).raw
    expect(certificateFingerprint(der)).toBe(canonical)
    expect(canonical.slice('SHA256:'.length)).toBe(new X509Certificate(fixturePem).fingerprint256)
  })

  it('says plainly when the input is not a certificate', () => {
    expect(() => certificateFingerprint('hello')).toThrow('not an X.509 certificate in PEM or DER form')
    expect(() => certificateFingerprint(new Uint8Array([1, 2, 3]))).toThrow(/not an X.509/)
  })

  const hex = canonical.slice(7).replaceAll(':', '')
  it.each([
    ['canonical', canonical],
    ['openssl output', opensslOutput],
    ['Node fingerprint256', canonical.slice(7)],
    ['lowercase with prefix', `sha256:${hex.toLowerCase()}`],
    ['bare hex', hex],
    ['surrounding spaces', `  ${canonical}\n`],
  ])('normalizes the %s form', (_, text) => {
    expect(normalizeFingerprint(text)).toBe(canonical)
    expect(fingerprintsMatch(text, canonical)).toBe(true)
  })

  it.each([
    ['empty', ''],
    ['too short', hex.slice(2)],
    ['SHA-1 length', 'AB:'.repeat(19).concat('AB')],
    ['not hex', 'ZZ'.repeat(32)],
  ])('refuses %s', (_, text) => {
    expect(normalizeFingerprint(text)).toBeUndefined()
    expect(fingerprintsMatch(text, text)).toBe(false)
  })

  it('tells different certificates apart', () => {
    expect(fingerprintsMatch(canonical, `SHA256:${'00:'.repeat(31)}00`)).toBe(false)
  })
})
