// X-Forwarded-For/-Host/-Proto/-Port and Forwarded (RFC 7239), as a proxy tier passes them upstream.
// A client's own forwarding headers are lies until proven otherwise: they are replaced by what the
// connection says, unless the peer is a trusted proxy, whose chain is kept and extended (nginx's
// realip + proxy_add_x_forwarded_for). Node-only (net.BlockList).
import type { IncomingHttpHeaders } from 'node:http'
import { BlockList, isIP } from 'node:net'

/** Headers a client could use to claim another address, host or scheme. */
const FORWARDING_HEADERS = new Set([
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-server',
  'x-forwarded-prefix',
  'x-real-ip',
  'forwarded',
])

/** "::ffff:10.0.0.1" (an IPv4 peer on a dual-stack socket) → "10.0.0.1"; other addresses unchanged. */
export function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  return mapped?.[1] ?? address
}

export type TrustedProxiesResult = { ok: true; trusted: TrustedProxies } | { ok: false; message: string }

/** The peers whose forwarding headers are believed: addresses and CIDR blocks, IPv4 or IPv6. */
export class TrustedProxies {
  private readonly list = new BlockList()
  private constructor(readonly entries: readonly string[]) {}

  /** No trusted peer; one shared instance, since a proxy without any asks for it on every request. */
  static none(): TrustedProxies {
    return TrustedProxies.NONE
  }
  private static readonly NONE = new TrustedProxies([])

  /** Parses "10.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"; names the first entry that is none of these. */
  static parse(entries: readonly string[]): TrustedProxiesResult {
    const trusted = new TrustedProxies(entries)
    for (const raw of entries) {
      const entry = raw.trim()
      const [written = '', prefix, extra] = entry.split('/')
      const address = prefix === undefined ? plainAddress(written) : written
      const family = isIP(address)
      const bits = prefix === undefined ? undefined : Number(prefix)
      const maxBits = family === 6 ? 128 : 32
      const badPrefix = bits !== undefined && (!/^\d{1,3}$/.test(prefix ?? '') || (bits as number) > maxBits)
      if (family === 0 || extra !== undefined || badPrefix)
        return {
          ok: false,
          message: `"${raw}" is not an IP address or CIDR block (e.g. 10.0.0.5, 10.0.0.0/8, fd00::/8)`,
        }
      const type = family === 6 ? 'ipv6' : 'ipv4'
      if (bits === undefined) trusted.list.addAddress(address, type)
      else trusted.list.addSubnet(address, bits, type)
    }
    return { ok: true, trusted }
  }

  has(address: string | undefined): boolean {
    if (!address || this.entries.length === 0) return false
    const plain = plainAddress(address)
    const family = isIP(plain)
    if (family === 0) return false
    return this.list.check(plain, family === 6 ? 'ipv6' : 'ipv4')
  }
}

export interface ForwardingContext {
  /** The connection's peer address (`socket.remoteAddress`). */
  peer: string | undefined
  /** Whether the peer is a trusted proxy whose forwarding headers are kept and extended. */
  peerTrusted: boolean
  /** TLS on the client's connection. */
  encrypted: boolean
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value
}

/** A Forwarded parameter value: a token as is, anything else quoted (RFC 7239 §4). */
function forwardedValue(value: string): string {
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`
}

function forwardedNode(address: string | undefined): string {
  if (!address) return 'unknown'
  return isIP(address) === 6 ? `"[${address}]"` : address
}

/** The port in a Host header ("example.com:8080", "[::1]:8080"), or the scheme's default. */
function hostPort(host: string | undefined, encrypted: boolean): string {
  const port = host === undefined ? undefined : /:(\d+)$/.exec(host)?.[1]
  return port ?? (encrypted ? '443' : '80')
}

/**
 * The request headers with forwarding headers that tell the truth about this hop: an untrusted peer's
 * claims are dropped and replaced; a trusted peer's are kept, with this hop appended to the chains.
 */
export function withForwarding(
  headers: IncomingHttpHeaders,
  context: ForwardingContext,
): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = Object.create(null)
  for (const name of Object.keys(headers)) {
    const value = headers[name]
    if (value !== undefined) out[name.toLowerCase()] = value
  }
  return addForwarding(out, context)
}

/**
 * withForwarding on a copy the caller already made and owns (names in lower case): the proxy copies the
 * headers once per request, to drop the hop-by-hop ones, and sets this hop's forwarding headers on it.
 */
export function addForwarding(out: IncomingHttpHeaders, context: ForwardingContext): IncomingHttpHeaders {
  if (!context.peerTrusted) for (const name in out) if (FORWARDING_HEADERS.has(name)) delete out[name]
  const hop = hopForwarding(
    {
      for: single(out['x-forwarded-for']),
      host: single(out['x-forwarded-host']),
      proto: single(out['x-forwarded-proto']),
      port: single(out['x-forwarded-port']),
      forwarded: single(out.forwarded),
    },
    single(out.host),
    context,
  )
  out['x-forwarded-for'] = hop.for
  if (hop.host !== undefined) out['x-forwarded-host'] = hop.host
  out['x-forwarded-proto'] = hop.proto
  out['x-forwarded-port'] = hop.port
  out.forwarded = hop.forwarded
  return out
}

/** Whether a header (name in lower case) can claim another address, host or scheme. */
export function isForwardingHeader(name: string): boolean {
  return FORWARDING_HEADERS.has(name)
}

/** The chained and defaulted forwarding headers a trusted peer sent (repeated lines joined), or none. */
export interface SentForwarding {
  for?: string | undefined
  host?: string | undefined
  proto?: string | undefined
  port?: string | undefined
  forwarded?: string | undefined
}

/** The forwarding headers that go upstream from this hop. */
export interface HopForwarding {
  for: string
  /** Undefined when neither the peer nor the request named a host. */
  host: string | undefined
  proto: string
  port: string
  forwarded: string
}

/**
 * The one rule for this hop's forwarding headers, whatever shape the headers travel in: a trusted peer's
 * chains are extended and its host, scheme and port kept; otherwise `sent` must be empty and the
 * connection's own facts are said.
 */
export function hopForwarding(
  sent: SentForwarding,
  host: string | undefined,
  context: ForwardingContext,
): HopForwarding {
  const own = ownForwarding(context.peer, host, context.encrypted)
  // The usual case: nothing to extend (an untrusted peer, or a trusted one that sent no forwarding
  // headers), so the remembered values for this peer and host go as they are.
  if (
    sent.for === undefined &&
    sent.host === undefined &&
    sent.proto === undefined &&
    sent.port === undefined &&
    sent.forwarded === undefined
  )
    return own
  const chain = (previous: string | undefined, next: string) => (previous ? `${previous}, ${next}` : next)
  return {
    for: chain(sent.for, own.for),
    host: sent.host ?? own.host,
    proto: sent.proto ?? own.proto,
    port: sent.port ?? own.port,
    forwarded: chain(sent.forwarded, own.forwarded),
  }
}

/**
 * What this hop says of a connection on its own: remembered per peer, host and scheme, since a proxy sees
 * few of them (the tier in front, a handful of clients) and every request on a connection asks again.
 */
const ownMemo = new Map<string, HopForwarding>()
const OWN_MEMO_LIMIT = 1024

function ownForwarding(
  peer: string | undefined,
  host: string | undefined,
  encrypted: boolean,
): HopForwarding {
  const key = `${peer ?? ''}|${encrypted ? 's' : ''}|${host ?? '\n'}`
  let own = ownMemo.get(key)
  if (own) return own
  const facts = peerFacts(peer)
  const proto = encrypted ? 'https' : 'http'
  own = {
    for: facts.address,
    host,
    proto,
    port: hostPort(host, encrypted),
    forwarded: forwardedElement(facts.node, host, proto),
  }
  if (ownMemo.size >= OWN_MEMO_LIMIT) ownMemo.clear()
  ownMemo.set(key, own)
  return own
}

interface PeerFacts {
  /** For X-Forwarded-For: the plain address, or "unknown". */
  address: string
  /** For Forwarded's for=: an IPv6 address quoted in brackets. */
  node: string
}

/**
 * What a peer address turns into, remembered for the few peers a proxy sees (the tier in front, a
 * handful of clients), since every request on a keep-alive connection asks the same question.
 */
const peerMemo = new Map<string, PeerFacts>()
const PEER_MEMO_LIMIT = 1024
const UNKNOWN_PEER: PeerFacts = { address: 'unknown', node: 'unknown' }

function peerFacts(peer: string | undefined): PeerFacts {
  if (!peer) return UNKNOWN_PEER
  let facts = peerMemo.get(peer)
  if (facts) return facts
  const address = plainAddress(peer)
  facts = { address, node: forwardedNode(address) }
  if (peerMemo.size >= PEER_MEMO_LIMIT) peerMemo.clear()
  peerMemo.set(peer, facts)
  return facts
}

/** Forwarded's element for this hop. */
function forwardedElement(node: string, host: string | undefined, proto: string): string {
  if (host === undefined) return `for=${node};proto=${proto}`
  return `for=${node};host=${forwardedValue(host)};proto=${proto}`
}

/**
 * The client a request is from: the peer itself, or, when the peer is a trusted proxy, the right-most
 * X-Forwarded-For entry that is not a trusted proxy (nginx's `real_ip_recursive on`).
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: TrustedProxies,
): string | undefined {
  if (peer === undefined || !trusted.has(peer)) return peer === undefined ? undefined : plainAddress(peer)
  const hops = (single(forwardedFor) ?? '')
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean)
  let client = plainAddress(peer)
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string
    if (isIP(hop) === 0) break
    client = plainAddress(hop)
    if (!trusted.has(hop)) break
  }
  return client
}
