// The heads a proxied request and its response travel with, built in one pass over the raw header lines
// as flat [name, value, …] lists, the form Node's parser gives and node:http and our upstream path take: no
// headers object on the way in, none on the way out, and each header checked once. The rules are the
// ones of hop-by-hop.ts and forwarding.ts. Pure.
import { type ForwardingContext, hopForwarding, isForwardingHeader, type SentForwarding } from './forwarding'
import { connectionListed, isHopByHop } from './hop-by-hop'
import { UNSERVED_HEADER } from './unserved'

/** The header that names who served a response ("vm/container"); proxies relay it as it came. */
export const SERVED_BY_HEADER = 'x-served-by'

const NONE_LISTED: ReadonlySet<string> = new Set()

/** What `Connection` listed beyond the fixed hop-by-hop set, which must go too; none in the usual case. */
function extraListed(connection: string | undefined): ReadonlySet<string> {
  if (connection === undefined) return NONE_LISTED
  // Nearly every message says just one of these: no need to split it.
  const plain = connection.length <= 10 ? connection.toLowerCase() : ''
  if (plain === 'keep-alive' || plain === 'close') return NONE_LISTED
  const listed = connectionListed(connection).filter((name) => !isHopByHop(name, NONE_LISTED))
  return listed.length === 0 ? NONE_LISTED : new Set(listed)
}

/** `lines` without the pairs whose name (lower case) is in `names`. */
function withoutNames(lines: string[], names: ReadonlySet<string>): string[] {
  const out: string[] = []
  for (let i = 0; i < lines.length; i += 2) {
    if (!names.has(lines[i] as string)) out.push(lines[i] as string, lines[i + 1] as string)
  }
  return out
}

const join = (previous: string | undefined, value: string) =>
  previous === undefined ? value : `${previous}, ${value}`

export interface UpstreamHead {
  /** Flat [name, value, …], names in lower case: end-to-end headers, then this hop's forwarding set. */
  headers: string[]
  /** No body announced (no Transfer-Encoding, no Content-Length above 0): safe to send again. */
  bodyless: boolean
  /** The X-Forwarded-For a trusted peer sent (lines joined), for finding the client; undefined otherwise. */
  forwardedFor: string | undefined
}

/**
 * The request head for the upstream hop from the client's raw header lines (req.rawHeaders): hop-by-hop
 * headers and whatever `Connection` lists dropped, an untrusted peer's forwarding claims dropped, a
 * trusted peer's chains extended, and a body of unknown length chunked again (the client's framing was
 * removed by Node's parser). Host and Content-Length keep their first line, as Node's parser does.
 */
export function upstreamHead(raw: readonly string[], context: ForwardingContext): UpstreamHead {
  let lines: string[] = []
  let connection: string | undefined
  let host: string | undefined
  let length: string | undefined
  let chunked = false
  let cookie: string | undefined
  const sent: SentForwarding = {}
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase()
    const value = raw[i + 1] as string
    if (name === 'connection') connection = join(connection, value)
    else if (name === 'transfer-encoding') chunked = true
    else if (isHopByHop(name, NONE_LISTED)) continue
    else if (name === 'host') {
      if (host !== undefined) continue
      host = value
      lines.push(name, value)
    } else if (name === 'content-length') {
      if (length !== undefined) continue
      length = value
      lines.push(name, value)
    } else if (name === 'cookie') {
      // One Cookie line upstream, as RFC 6265 §5.4 asks and Node's parser joins them.
      cookie = cookie === undefined ? value : `${cookie}; ${value}`
    } else if (isForwardingHeader(name)) {
      if (!context.peerTrusted) continue
      if (name === 'x-forwarded-for') sent.for = join(sent.for, value)
      else if (name === 'x-forwarded-host') sent.host = join(sent.host, value)
      else if (name === 'x-forwarded-proto') sent.proto = join(sent.proto, value)
      else if (name === 'x-forwarded-port') sent.port = join(sent.port, value)
      else if (name === 'forwarded') sent.forwarded = join(sent.forwarded, value)
      else lines.push(name, value)
    } else lines.push(name, value)
  }
  const listed = extraListed(connection)
  if (listed.size > 0) {
    // Rare: the client named end-to-end headers as this connection's own. They go, and a listed Host or
    // forwarding header counts as never sent.
    lines = withoutNames(lines, listed)
    if (listed.has('host')) host = undefined
    if (listed.has('x-forwarded-for')) sent.for = undefined
    if (listed.has('x-forwarded-host')) sent.host = undefined
    if (listed.has('x-forwarded-proto')) sent.proto = undefined
    if (listed.has('x-forwarded-port')) sent.port = undefined
    if (listed.has('forwarded')) sent.forwarded = undefined
  }
  if (cookie !== undefined && !listed.has('cookie')) lines.push('cookie', cookie)
  if (chunked) lines.push('transfer-encoding', 'chunked')
  const hop = hopForwarding(sent, host, context)
  lines.push('x-forwarded-for', hop.for)
  if (hop.host !== undefined) lines.push('x-forwarded-host', hop.host)
  lines.push('x-forwarded-proto', hop.proto, 'x-forwarded-port', hop.port, 'forwarded', hop.forwarded)
  return {
    headers: lines,
    bodyless: !chunked && (length === undefined || length === '0'),
    forwardedFor: sent.for,
  }
}

export interface RelayedHead {
  /** Flat [name, value, …], names in lower case, each repeated header on its own line. */
  headers: string[]
  /** The backend marked its 503 "not served here" (the marker itself is never relayed). */
  unserved: boolean
  /** The response's X-Served-By, if any. */
  servedBy: string | undefined
}

/**
 * The response head for the client from the backend's raw header lines (node:http's, or response-parser's):
 * hop-by-hop headers, what `Connection` lists and the unserved marker dropped.
 */
export function relayedHead(raw: readonly string[]): RelayedHead {
  let lines: string[] = []
  let connection: string | undefined
  let unserved = false
  let servedBy: string | undefined
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase()
    const value = raw[i + 1] as string
    if (name === 'connection') connection = join(connection, value)
    else if (name === UNSERVED_HEADER) unserved = true
    else if (isHopByHop(name, NONE_LISTED)) continue
    else {
      if (name === SERVED_BY_HEADER) servedBy ??= value
      lines.push(name, value)
    }
  }
  const listed = extraListed(connection)
  if (listed.size > 0) {
    lines = withoutNames(lines, listed)
    if (listed.has(SERVED_BY_HEADER)) servedBy = undefined
  }
  return { headers: lines, unserved, servedBy }
}
