// The hub URLs an agent on another machine can dial, from the address the hub is bound to: the join
// box must not offer 127.0.0.1 to a VM that would then dial itself.
import { isIP } from 'node:net'
import {
  bareHost,
  type InterfaceAddress,
  isLoopbackBind,
  isWildcardHost,
  urlHostOf,
} from '../config/listen-address'

/**
 * `scheme` is `wss` or `ws`, as the hub serves. Loopback: none (only agents on this machine can join).
 * Wildcard: every non-loopback interface address of the bound family (`::` also serves IPv4), IPv4
 * first; link-local IPv6 needs a zone that differs per machine, so it is left out. One address: itself.
 */
export function hubJoinUrls(
  scheme: string,
  boundHost: string,
  port: number,
  interfaces: readonly InterfaceAddress[],
): string[] {
  if (isLoopbackBind(boundHost)) return []
  const url = (address: string) => `${scheme}://${urlHostOf(address)}:${port}`
  if (!isWildcardHost(boundHost)) return [url(bareHost(boundHost))]
  const ipv6Too = isIP(bareHost(boundHost)) === 6 || boundHost === '*'
  const addresses = interfaces
    .filter((entry) => !entry.internal)
    .map((entry) => entry.address)
    .filter((address) => isIP(address) === 4 || (ipv6Too && !/^fe80:/i.test(address)))
  const unique = [...new Set(addresses)].sort((a, b) => isIP(a) - isIP(b))
  return unique.map(url)
}
