// Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, not the message: a proxy drops them in
// both directions so that a client cannot steer the proxy's upstream connection (close it, upgrade it to
// h2c, authenticate to it) or learn about it. Pure: headers in, headers out.
import type { IncomingHttpHeaders } from 'node:http'

/** Always hop-by-hop, whether or not `Connection` names them. */
export const HOP_BY_HOP_HEADERS: readonly string[] = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]

const FIXED = new Set(HOP_BY_HOP_HEADERS)

/** Header names listed in `Connection` ("close, X-Secret" → close, x-secret), lower case. */
export function connectionListed(connection: string | string[] | undefined): string[] {
  if (connection === undefined) return []
  const values = Array.isArray(connection) ? connection : [connection]
  return values
    .flatMap((value) => value.split(','))
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token.length > 0)
}

/** A real WebSocket handshake: GET with `Upgrade: websocket` that `Connection` lists `upgrade` in. */
export function isWebSocketUpgrade(method: string | undefined, headers: IncomingHttpHeaders): boolean {
  if (method !== 'GET') return false
  const upgrade = headers.upgrade
  if (typeof upgrade !== 'string' || upgrade.trim().toLowerCase() !== 'websocket') return false
  return connectionListed(headers.connection).includes('upgrade')
}

export interface HopByHopOptions {
  /** Keep `Connection: Upgrade` and `Upgrade: websocket`: only for a WebSocket handshake and its 101. */
  keepWebSocketUpgrade?: boolean
}

const NONE_LISTED: ReadonlySet<string> = new Set()

/** The names `Connection` lists in these headers, lower case; an empty set (no allocation) when none. */
export function listedInConnection(headers: IncomingHttpHeaders): ReadonlySet<string> {
  return headers.connection === undefined ? NONE_LISTED : new Set(connectionListed(headers.connection))
}

/** Whether a header (name in lower case) describes only this connection, given what `Connection` listed. */
export function isHopByHop(name: string, listed: ReadonlySet<string>): boolean {
  return FIXED.has(name) || (listed.size > 0 && listed.has(name))
}

/**
 * The end-to-end headers only: without the fixed hop-by-hop set and whatever `Connection` lists. On a
 * WebSocket handshake (or its 101 answer) `Connection: Upgrade` and `Upgrade: websocket` stay, since the
 * upgrade must reach the other side; everything else `Connection` listed still goes.
 */
export function withoutHopByHop(
  headers: IncomingHttpHeaders,
  options: HopByHopOptions = {},
): IncomingHttpHeaders {
  const listed = listedInConnection(headers)
  // No prototype: a header named "__proto__" stays a header.
  const out: IncomingHttpHeaders = Object.create(null)
  // One pass over the names, no [name, value] pairs: this runs for every proxied request.
  for (const name of Object.keys(headers)) {
    const value = headers[name]
    const key = name.toLowerCase()
    if (value === undefined || isHopByHop(key, listed)) continue
    out[key] = value
  }
  if (options.keepWebSocketUpgrade) {
    out.connection = 'Upgrade'
    out.upgrade = 'websocket'
  }
  return out
}

/**
 * The request headers for the upstream hop. Node's parser has already removed the client's chunked
 * framing from the body, so a body of unknown length is chunked again on the way up (the client's
 * `Transfer-Encoding` value itself never travels).
 */
export function upstreamRequestHeaders(
  method: string | undefined,
  headers: IncomingHttpHeaders,
): IncomingHttpHeaders {
  // Most requests carry no Upgrade header: the WebSocket test is skipped for them.
  const webSocket = headers.upgrade !== undefined && isWebSocketUpgrade(method, headers)
  const out = withoutHopByHop(headers, { keepWebSocketUpgrade: webSocket })
  if (headers['transfer-encoding'] !== undefined && !webSocket) out['transfer-encoding'] = 'chunked'
  return out
}
