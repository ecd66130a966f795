// Who may read the agent's status page (agent id, pid, container addresses): a process on this VM that
// asks directly, or whoever holds the agent's join token. Anyone else is told nothing is there.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { isIP } from 'node:net'
import { plainAddress } from '../../src/shared/proxy/forwarding'

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false
  const plain = plainAddress(address)
  if (plain === '::1') return true
  return isIP(plain) === 4 && plain.startsWith('127.')
}

/** Equal strings, in time that does not depend on where they differ (digests have one length). */
function sameSecret(a: string, b: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest()
  return timingSafeEqual(digest(a), digest(b))
}

export interface StatusRequest {
  peer: string | undefined
  headers: IncomingHttpHeaders
}

/**
 * A loopback peer that no proxy relayed (a relayed request carries forwarding headers: it came from
 * elsewhere, e.g. through the VIM's front proxy on the same machine), or `Authorization: Bearer TOKEN`.
 */
export function mayReadStatus(request: StatusRequest, token: string | undefined): boolean {
  const { headers } = request
  const relayed = headers['x-forwarded-for'] !== undefined || headers.forwarded !== undefined
  if (isLoopback(request.peer) && !relayed) return true
  const authorization = headers.authorization
  if (token === undefined || token === '' || typeof authorization !== 'string') return false
  const match = /^Bearer +(\S+) *$/i.exec(authorization)
  return match?.[1] !== undefined && sameSecret(match[1], token)
}
