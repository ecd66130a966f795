// Which servers the traffic generator may load: this machine (loopback) or a URL the caller allows
// explicitly (the VIM's own front proxy), so that a slip of the keyboard cannot load someone else's server.
import { lookup as dnsLookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'

export type TargetCheck =
  | { ok: true; url: URL; allowedBy: 'loopback' | 'allowed-target' | 'localhost' }
  | { ok: false; message: string }

const loopback = new BlockList()
loopback.addSubnet('127.0.0.0', 8, 'ipv4')
loopback.addAddress('::1', 'ipv6')

/** 127.0.0.0/8 and ::1, also when written as an IPv4-mapped IPv6 address. */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 0) return false
  return loopback.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

const RULE = 'the traffic generator only loads this machine (127.0.0.0/8, ::1, localhost)'

/**
 * Decides from the URL alone, without a DNS query: an IP literal must be loopback, `localhost` passes
 * here and is resolved by `resolveTarget`, every other name is refused unless its origin is allowed.
 */
export function checkTarget(raw: string, allowedTargets: readonly string[] = []): TargetCheck {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { ok: false, message: `'${raw}' is not a URL; write it like http://127.0.0.1:18080` }
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, message: `${raw}: only http:// and https:// targets can be loaded` }
  }
  const allowed = allowedTargets.flatMap((target) => {
    try {
      return [new URL(target).origin]
    } catch {
      return []
    }
  })
  if (allowed.includes(url.origin)) return { ok: true, url, allowedBy: 'allowed-target' }
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const orAllowed = allowed.length > 0 ? ` or the cluster's front proxy (${allowed.join(', ')})` : ''
  if (isIP(host)) {
    if (isLoopbackAddress(host)) return { ok: true, url, allowedBy: 'loopback' }
    return { ok: false, message: `Refused ${url.origin}: ${host} is not loopback; ${RULE}${orAllowed}.` }
  }
  if (host === 'localhost') return { ok: true, url, allowedBy: 'localhost' }
  return { ok: false, message: `Refused ${url.origin}: ${host} is not this machine; ${RULE}${orAllowed}.` }
}

export type Lookup = (hostname: string) => Promise<readonly { address: string }[]>

const lookupAll: Lookup = (hostname) => dnsLookup(hostname, { all: true })

/** Completes `checkTarget`: `localhost` counts only when every address it resolves to is loopback. */
export async function resolveTarget(
  raw: string,
  allowedTargets: readonly string[] = [],
  lookup: Lookup = lookupAll,
): Promise<TargetCheck> {
  const check = checkTarget(raw, allowedTargets)
  if (!check.ok || check.allowedBy !== 'localhost') return check
  let addresses: readonly { address: string }[]
  try {
    addresses = await lookup(check.url.hostname)
  } catch (error) {
    return {
      ok: false,
      message: `Refused ${check.url.origin}: localhost does not resolve (${(error as Error).message}).`,
    }
  }
  const outside = addresses.map((a) => a.address).filter((address) => !isLoopbackAddress(address))
  if (addresses.length === 0 || outside.length > 0) {
    return {
      ok: false,
      message: `Refused ${check.url.origin}: localhost resolves to ${outside.join(', ') || 'nothing'}, which is not loopback; ${RULE}.`,
    }
  }
  return check
}
