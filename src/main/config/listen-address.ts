// What an address the VIM binds to means for who can reach it: loopback only, every interface, or one
// address; and this machine's interface addresses, which a wildcard bind serves.
import { isIP, isIPv4, isIPv6 } from 'node:net'
import { networkInterfaces } from 'node:os'
import { isLoopbackAddress } from '../traffic/target'

/** Whether `host` means "every interface" (0.0.0.0, ::, [::], *), which no proxy can dial. */
export function isWildcardHost(host: string): boolean {
  const bare = bareHost(host)
  if (bare === '*') return true
  if (isIPv4(bare)) return bare === '0.0.0.0'
  return isIPv6(bare) && /^[0:]+$/.test(bare)
}

/** `[::1]` and `::1` alike, so that a URL's host and a bind address compare. */
export function bareHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}

/** Whether only this machine can reach a listener bound to `host`. */
export function isLoopbackBind(host: string): boolean {
  const bare = bareHost(host).toLowerCase()
  return bare === 'localhost' || isLoopbackAddress(bare)
}

export interface InterfaceAddress {
  address: string
  internal: boolean
}

/** This machine's interface addresses (loopback ones marked `internal`). */
export function interfaceAddresses(): InterfaceAddress[] {
  return Object.values(networkInterfaces())
    .flatMap((entries) => entries ?? [])
    .filter((entry) => isIP(entry.address) !== 0)
    .map((entry) => ({ address: entry.address, internal: entry.internal }))
}

/** `10.0.0.2` as is, `fe80::1` as `[fe80::1]`: the host part of a URL. */
export function urlHostOf(address: string): string {
  const bare = bareHost(address)
  return isIP(bare) === 6 ? `[${bare}]` : bare
}
