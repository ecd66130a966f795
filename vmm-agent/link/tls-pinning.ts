// Certificate pinning for `wss://` with --ca-fingerprint: the VIM's self-signed certificate is accepted
// only if its SHA-256 fingerprint matches, and the check runs before a single byte of HTTP is sent.
import type { ClientRequest } from 'node:http'
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { ClientOptions } from 'ws'
import { certificateFingerprint, fingerprintsMatch } from '../../src/shared/protocol/auth'

/** The VIM presented a certificate other than the pinned one; the connection was cut before the upgrade. */
export class FingerprintMismatchError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string | undefined,
  ) {
    super(
      actual === undefined
        ? `the VIM presented no certificate; expected fingerprint ${expected}`
        : `the VIM's certificate fingerprint ${actual} does not match --ca-fingerprint ${expected}`,
    )
    this.name = 'FingerprintMismatchError'
  }
}

/**
 * `ws` client options that pin the server certificate. Node's own chain check is turned off (the VIM's
 * certificate is self-signed, and its host name does not matter once the exact certificate is pinned),
 * and replaced by a fingerprint check at the TLS handshake. `ws` lets `finishRequest` decide when the
 * upgrade request is sent: only after the check passes, so an impostor never sees even the request line.
 * `onVerified` runs once the fingerprint matched, before the upgrade request goes out.
 */
export function pinnedClientOptions(expected: string, onVerified: () => void): ClientOptions {
  return {
    rejectUnauthorized: false,
    finishRequest: (request: ClientRequest) => {
      const verify = (socket: TLSSocket) => {
        const actual = peerFingerprint(socket)
        if (actual !== undefined && fingerprintsMatch(actual, expected)) {
          onVerified()
          request.end()
        } else {
          request.destroy(new FingerprintMismatchError(expected, actual))
        }
      }
      const watch = (socket: Socket) => {
        const tls = socket as TLSSocket
        // A socket that already finished its handshake (not the case with `ws`, which never reuses
        // sockets, but cheap to be sure of) is checked at once; otherwise at 'secureConnect'.
        if (tls.encrypted && !tls.connecting && tls.getPeerCertificate().raw !== undefined) verify(tls)
        else tls.once('secureConnect', () => verify(tls))
      }
      if (request.socket) watch(request.socket)
      else request.once('socket', watch)
    },
  }
}

function peerFingerprint(socket: TLSSocket): string | undefined {
  const cert = socket.getPeerCertificate()
  // An empty object means no certificate.
  return cert?.raw ? certificateFingerprint(cert.raw) : undefined
}
