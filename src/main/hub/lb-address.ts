// Where the VIM's front proxy reaches an agent's load balancer (agentLbTarget), and how a connection's peer
// address is written.
import { isIPv6 } from 'node:net'
import { bareHost, isLoopbackBind, isWildcardHost, urlHostOf } from '../config/listen-address'

/** `::ffff:10.0.0.2` (an IPv4 peer on a dual-stack socket) as `10.0.0.2`; undefined as `unknown`. */
export function peerAddress(remoteAddress: string | undefined): string {
  if (!remoteAddress) return 'unknown'
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress)
  return mapped?.[1] ?? remoteAddress
}

/** What the VIM knows of itself when it decides where an agent's traffic may go. */
export interface VimSelf {
  /** Addresses of this machine: every interface's, loopback included. */
  localAddresses: ReadonlySet<string>
  /** Ports the VIM itself listens on (hub, front proxy, control API). */
  reservedPorts: ReadonlySet<number>
}

export interface LbTargetInput {
  /** The peer address of the agent's hub connection (unwrapped, see peerAddress). */
  peer: string
  /** What the agent advertises in its hello. */
  lbHost: string
  lbPort: number
  /** An address the user set for this VM (NAT, port forwarding): `host` or `host:port`. */
  override?: string | undefined
}

export type LbTarget = { ok: true; host: string; port: number } | { ok: false; reason: string }

/**
 * Where the front proxy sends a VM's public traffic. An agent does not choose the host: it is the address
 * its hub connection came from, plus the port it advertises. Another host only when the user set one for
 * the VM. An agent on this very machine may ask for loopback (the local lab listens there); nothing may
 * point the proxy at one of the VIM's own ports on this machine, which would expose the control API.
 */
export function agentLbTarget(input: LbTargetInput, self: VimSelf): LbTarget {
  let host = input.peer
  let port = input.lbPort
  if (input.override) {
    const parsed = splitHostPort(input.override)
    if (!parsed)
      return { ok: false, reason: `the address set for it, '${input.override}', is not HOST or HOST:PORT` }
    host = parsed.host
    port = parsed.port ?? port
  } else if (input.peer === 'unknown') {
    return { ok: false, reason: 'the address of its connection is unknown' }
  } else if (isLoopbackBind(input.lbHost) && isLocalAddress(input.peer, self)) {
    host = bareHost(input.lbHost)
  }
  if (isLocalAddress(host, self) && self.reservedPorts.has(port)) {
    return { ok: false, reason: `${formatHostPort(host, port)} is one of the VIM's own ports` }
  }
  return { ok: true, host, port }
}

/** Whether `host` is this machine: loopback, a wildcard, or one of its interface addresses. */
export function isLocalAddress(host: string, self: Pick<VimSelf, 'localAddresses'>): boolean {
  const bare = bareHost(host).toLowerCase()
  return isLoopbackBind(bare) || isWildcardHost(bare) || bare === 'localhost' || self.localAddresses.has(bare)
}

export function formatHostPort(host: string, port: number): string {
  return `${urlHostOf(host)}:${port}`
}

/** `host`, `host:port`, `[v6]` or `[v6]:port`; undefined when it is none of these. */
export function splitHostPort(text: string): { host: string; port: number | undefined } | undefined {
  const trimmed = text.trim()
  if (isIPv6(trimmed)) return { host: trimmed, port: undefined }
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(trimmed)
  const plain = /^([A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(trimmed)
  const match = bracketed ?? plain
  if (!match?.[1]) return undefined
  const port = match[2] === undefined ? undefined : Number(match[2])
  if (port !== undefined && (port < 1 || port > 65535)) return undefined
  return { host: match[1], port }
}
