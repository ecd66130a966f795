// Reads the head of a client's request for the lean server (lean-server.ts): only the plainest kind, an
// HTTP/1.1 GET, HEAD, OPTIONS or DELETE to an origin-form target with exactly one Host and no body,
// Upgrade or Expect, each line in the strict grammar of RFC 9112. Anything else is "other": node:http's
// parser (llhttp) takes the connection from there and serves or refuses it as it always has, so this
// reader never has to decide an ambiguous message, only recognize an unambiguous one. Pure.
import { isToken, listHas, MAX_HEAD_BYTES, trimWhitespace } from './response-parser'

/** More header lines than any real client sends: such a request goes to node:http. */
const MAX_HEADER_LINES = 100

const LEAN_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE'])
/** Headers that give a request a body, another protocol or an interim answer: node:http's to serve. */
const NOT_LEAN: ReadonlySet<string> = new Set(['content-length', 'transfer-encoding', 'upgrade', 'expect'])

export type LeanHead =
  /** No complete head yet, and nothing seen so far rules the lean path out. */
  | { kind: 'partial' }
  /** Not a request the lean path serves (or not a valid one): node:http takes the connection. */
  | { kind: 'other' }
  | {
      kind: 'request'
      method: string
      target: string
      /** [name, value, …] as sent (names in their case, values without surrounding spaces), as Node's rawHeaders. */
      rawHeaders: string[]
      /** The client did not ask to close the connection after the answer. */
      keepAlive: boolean
      /** Characters of `text` the head took, its final empty line included. */
      length: number
    }

const PARTIAL: LeanHead = { kind: 'partial' }
const OTHER: LeanHead = { kind: 'other' }

/** A field value's characters: visible ASCII, space, tab and obs-text; never a control or DEL. */
function isFieldValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if ((c < 0x20 && c !== 0x09) || c === 0x7f || c > 0xff) return false
  }
  return true
}

/** An origin-form target: a slash, then visible ASCII only. */
function isOriginForm(text: string, from: number, to: number): boolean {
  if (from >= to || text.charCodeAt(from) !== 0x2f) return false
  for (let i = from + 1; i < to; i++) {
    const c = text.charCodeAt(i)
    if (c <= 0x20 || c >= 0x7f) return false
  }
  return true
}

/**
 * The request at the start of `text` (bytes as latin1, as read from the socket), if the lean path serves
 * it. Lines must end in CRLF: a bare CR or LF anywhere makes it "other", as does a head over `maxBytes`
 * (by default Node's own limit; node:http then answers 431).
 */
export function readLeanRequest(text: string, maxBytes = MAX_HEAD_BYTES): LeanHead {
  let lineEnd = text.indexOf('\n')
  if (lineEnd < 0) return text.length > maxBytes ? OTHER : bareCrOrPartial(text, 0)
  if (lineEnd === 0 || text.charCodeAt(lineEnd - 1) !== 0x0d) return OTHER
  // The request line: METHOD SP origin-form SP HTTP/1.1.
  const lineStop = lineEnd - 1
  const firstSpace = text.indexOf(' ')
  if (firstSpace < 0 || firstSpace > lineStop) return OTHER
  const method = text.slice(0, firstSpace)
  if (!LEAN_METHODS.has(method)) return OTHER
  const secondSpace = text.indexOf(' ', firstSpace + 1)
  if (secondSpace < 0 || secondSpace > lineStop) return OTHER
  if (!isOriginForm(text, firstSpace + 1, secondSpace)) return OTHER
  if (lineStop - secondSpace - 1 !== 8 || !text.startsWith('HTTP/1.1', secondSpace + 1)) return OTHER
  const target = text.slice(firstSpace + 1, secondSpace)

  const rawHeaders: string[] = []
  let hosts = 0
  let keepAlive = true
  let start = lineEnd + 1
  for (;;) {
    if (start > maxBytes) return OTHER
    lineEnd = text.indexOf('\n', start)
    if (lineEnd < 0) return text.length > maxBytes ? OTHER : bareCrOrPartial(text, start)
    if (lineEnd === start || text.charCodeAt(lineEnd - 1) !== 0x0d) return OTHER
    const stop = lineEnd - 1
    if (stop === start) break // the empty line: the head is complete
    if (rawHeaders.length >= MAX_HEADER_LINES * 2) return OTHER
    const colon = text.indexOf(':', start)
    // No colon, a name with spaces or other non-token characters, or a folded line (leading space).
    if (colon < 0 || colon > stop) return OTHER
    const name = text.slice(start, colon)
    if (!isToken(name)) return OTHER
    const value = trimWhitespace(text.slice(colon + 1, stop))
    if (!isFieldValue(value)) return OTHER
    const lower = name.length <= 17 ? name.toLowerCase() : ''
    if (NOT_LEAN.has(lower)) return OTHER
    if (lower === 'host') hosts++
    else if (lower === 'connection' && listHas(value, 'close')) keepAlive = false
    rawHeaders.push(name, value)
    start = lineEnd + 1
  }
  const length = lineEnd + 1
  if (length > maxBytes || hosts !== 1) return OTHER
  return { kind: 'request', method, target, rawHeaders, keepAlive, length }
}

/** An unfinished line: still partial unless it holds a CR before its last character (a bare CR). */
function bareCrOrPartial(text: string, from: number): LeanHead {
  const cr = text.indexOf('\r', from)
  return cr >= 0 && cr !== text.length - 1 ? OTHER : PARTIAL
}
