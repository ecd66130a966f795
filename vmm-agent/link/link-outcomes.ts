// Why the link to the VIM ended, in words a person can act on, and what the agent does next: retry soon,
// retry slowly, or report a rejection (wrong token, name claimed by another agent's key, other version,
// untrusted certificate).
import { type CloseAction, CloseCode, closeCodeInfo } from '../../src/shared/protocol/close-codes'
import { PROTOCOL_VERSION } from '../../src/shared/protocol/messages'
import { FingerprintMismatchError } from './tls-pinning'

export type Outcome = { action: CloseAction; reason: string }

/** Why the VIM closed the session, for a person reading the agent's status. */
export function explainClose(code: number, reason: string, wasConnected: boolean): Outcome {
  const detail = reason ? `: ${reason}` : ''
  const action = closeCodeInfo(code)?.action ?? 'retry'
  switch (code) {
    case CloseCode.authFailed:
      return { action, reason: `the VIM rejected the join token: check --token${detail}` }
    case CloseCode.nameClaimed:
      return {
        action,
        reason: `the VIM trusts another agent's key for this VM name; forget that key in the VIM (VMs page) to admit this agent${detail}`,
      }
    case CloseCode.duplicateAgent:
      return {
        action,
        reason: `a newer session of this VM with the same key replaced this one; is this agent running twice?${detail}`,
      }
    case CloseCode.unsupportedVersion:
      return {
        action,
        reason: `the VIM speaks another protocol version (this agent speaks ${PROTOCOL_VERSION}); update the older side${detail}`,
      }
    case CloseCode.malformed:
    case CloseCode.tooLarge:
    case CloseCode.frameTooLarge:
      return { action, reason: `the VIM refused a message from this agent${detail}` }
    case CloseCode.tooFrequent:
      return { action, reason: `the VIM asked this agent to slow down${detail}` }
    case CloseCode.handshakeTimeout:
      return { action, reason: 'the VIM timed out the handshake' }
    case CloseCode.normal:
    case CloseCode.goingAway:
      return { action, reason: `the VIM closed the link${detail || ' (shutting down)'}` }
    default:
      return {
        action,
        reason: wasConnected
          ? `the connection to the VIM was lost (code ${code}${reason ? `, ${reason}` : ''})`
          : `the VIM closed the connection during the handshake (code ${code}${reason ? `, ${reason}` : ''})`,
      }
  }
}

const untrustedCertificateCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

/** A connection error as a sentence a person can act on, and what to do about it. */
export function describeSocketError(error: Error, url: URL): Outcome {
  if (error instanceof FingerprintMismatchError)
    return { action: 'rejected', reason: `${error.message}; refusing it` }
  const code = (error as NodeJS.ErrnoException).code ?? ''
  const where = `the VIM at ${url.host}`
  if (code === 'ECONNREFUSED') return { action: 'retry', reason: `cannot reach ${where}: connection refused` }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return { action: 'retry', reason: `cannot resolve the VIM's host name "${url.hostname}"` }
  }
  if (code === 'ETIMEDOUT' || /timed out/i.test(error.message)) {
    return { action: 'retry', reason: `${where} did not answer in time` }
  }
  if (untrustedCertificateCodes.has(code)) {
    return {
      action: 'rejected',
      reason: `the TLS certificate of ${where} is not trusted (${code}); pass --ca-fingerprint with its SHA-256 fingerprint`,
    }
  }
  const status = /Unexpected server response: (\d+)/.exec(error.message)?.[1]
  if (status) {
    const action = status === '401' || status === '403' ? 'rejected' : 'slow'
    return {
      action,
      reason: `${where} answered HTTP ${status} instead of a WebSocket upgrade; check the URL`,
    }
  }
  return { action: 'retry', reason: `the connection to ${where} failed: ${error.message}` }
}
