// Where the VIM's front proxy reaches an agent's load balancer, and how a connection's peer address is
// written: an agent bound to a wildcard address is reachable at the address its connection came from.
import { isIPv4, isIPv6 } from 'node:net'

/** `::ffff:10.0.0.2` (an IPv4 peer on a dual-stack socket) as `10.0.0.2`; undefined as `unknown`. */
export function peerAddress(remoteAddress: string | undefined): string {
  if (!remoteAddress) return 'unknown'
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress)
  return mapped?.[1] ?? remoteAddress
}

/** Whether `host` means "every interface" (0.0.0.0, ::, [::], *), which no proxy can dial. */
export function isWildcardHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  if (bare === '*') return true
  if (isIPv4(bare)) return bare === '0.0.0.0'
  return isIPv6(bare) && /^[0:]+$/.test(bare)
}

/** The agent's `lbHost`, or the connection's peer address when the agent bound a wildcard. */
export function reachableLbHost(lbHost: string, remoteAddress: string): string {
  return isWildcardHost(lbHost) && remoteAddress !== 'unknown' ? remoteAddress : lbHost
}
