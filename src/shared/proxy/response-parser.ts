// Reads the HTTP/1.1 responses a backend sends on one kept-alive connection, for the lean upstream path
// (upstream-connections.ts): the head as flat [name, value, …] lines, the body's framing (Content-Length,
// chunked, none, or up to the close) and the body itself, delivered as it arrives. Strict where a lenient
// reading could desynchronise the connection (conflicting lengths, folded lines, control characters, a
// bad chunk size): such a response is an error, and its connection is never used again. Pure.

/** The most a response head may take, as Node's own parser allows by default. */
export const MAX_HEAD_BYTES = 16 * 1024
/** A chunk-size line or trailer line beyond this is not a response worth reading. */
const MAX_LINE_BYTES = 4096

export interface ResponseHead {
  status: number
  statusText: string
  /** Flat [name, value, …], names as the backend wrote them, values without surrounding whitespace. */
  rawHeaders: string[]
  /** The connection may carry another request once this response is read. */
  keepAlive: boolean
  /** The backend's `Keep-Alive: timeout=N`, in milliseconds, when it said one. */
  keepAliveMs: number | undefined
}

export interface ResponseEvents {
  head(head: ResponseHead): void
  body(chunk: Buffer): void
  /** The response is complete; `rest` holds any bytes after it (which no request asked for). */
  complete(rest: Buffer | undefined): void
}

/** A response that cannot be read; `code` names what was wrong, as Node's parser names it. */
export class MalformedResponse extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'close' | 'done'

const HEAD_END = Buffer.from('\r\n\r\n')
const LINE_END = Buffer.from('\r\n')

/** Characters of a header name (RFC 9110 token). */
const TOKEN = new Uint8Array(128)
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
  TOKEN[c.charCodeAt(0)] = 1

/** A header name: one or more RFC 9110 token characters. */
export function isToken(name: string): boolean {
  if (name.length === 0) return false
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c > 127 || TOKEN[c] === 0) return false
  }
  return true
}

/**
 * Whether a head holds a control character other than HTAB (not allowed in a field value or reason, RFC
 * 9110 §5.5), or a CR or LF that is not part of a CRLF line end: one pass over the whole head.
 */
function hasBadCharacter(head: string): boolean {
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i)
    if (
      c >= 32
        ? c === 127
        : c !== 9 &&
          !(c === 13 && head.charCodeAt(i + 1) === 10) &&
          !(c === 10 && head.charCodeAt(i - 1) === 13)
    )
      return true
  }
  return false
}

/** `text` without the spaces and tabs around it. */
export function trimWhitespace(text: string): string {
  let start = 0
  let end = text.length
  while (start < end && (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 9)) start++
  while (end > start && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--
  return start === 0 && end === text.length ? text : text.slice(start, end)
}

/** Whether a comma-separated Connection list holds `token`, in any case. */
export function listHas(list: string, token: string): boolean {
  // Nearly every Connection header says just one of these.
  if (list.length === token.length) return list.toLowerCase() === token
  if (list.length === 5 || list.length === 10) {
    const lower = list.toLowerCase()
    if (lower === 'close' || lower === 'keep-alive') return false
  }
  return list.split(',').some((item) => trimWhitespace(item).toLowerCase() === token)
}

function malformed(code: string, message: string): never {
  throw new MalformedResponse(code, message)
}

interface Framing {
  state: State
  length: number
  /** The connection carries nothing after this response, whatever Connection says. */
  closeAfter?: true
}

/** One connection's responses, in order: `start` before each request, then `feed` what the socket reads. */
export class ResponseParser {
  private state: State = 'done'
  private method = 'GET'
  /** Bytes of a head or line not yet complete. */
  private pending: Buffer | undefined
  private remaining = 0

  constructor(private readonly events: ResponseEvents) {}

  /** Expect the response to a request with this method. */
  start(method: string): void {
    this.method = method
    this.state = 'head'
    this.pending = undefined
    this.remaining = 0
  }

  /** Reads what arrived; throws MalformedResponse when it cannot be a response. */
  feed(chunk: Buffer): void {
    let data = chunk
    if (this.pending) {
      data = Buffer.concat([this.pending, chunk])
      this.pending = undefined
    }
    let at = 0
    while (at < data.length) {
      switch (this.state) {
        case 'head': {
          const end = this.endOf(
            data,
            at,
            HEAD_END,
            MAX_HEAD_BYTES,
            'HPE_HEADER_OVERFLOW',
            'response head too large',
          )
          if (end < 0) return
          const head = data.toString('latin1', at, end)
          at = end + 4
          this.readHead(head)
          if ((this.state as State) === 'done') {
            this.finish(data, at)
            return
          }
          break
        }
        case 'length': {
          at = this.passBody(data, at)
          if (this.remaining === 0) {
            this.finish(data, at)
            return
          }
          break
        }
        case 'close':
          this.events.body(at === 0 ? data : data.subarray(at))
          return
        case 'chunk-data': {
          at = this.passBody(data, at)
          if (this.remaining === 0) {
            this.state = 'chunk-end'
            this.remaining = 2
          }
          break
        }
        case 'chunk-end': {
          // The CRLF after a chunk's data, possibly split between reads.
          const expected = this.remaining === 2 ? 13 : 10
          if (data[at] !== expected) malformed('HPE_INVALID_CHUNK_SIZE', 'chunk data not followed by CRLF')
          at++
          if (--this.remaining === 0) this.state = 'chunk-size'
          break
        }
        case 'chunk-size':
        case 'trailers': {
          const end = this.endOf(
            data,
            at,
            LINE_END,
            MAX_LINE_BYTES,
            'HPE_INVALID_CHUNK_SIZE',
            'chunk line too long',
          )
          if (end < 0) return
          const line = data.toString('latin1', at, end)
          at = end + 2
          if (this.state === 'trailers') {
            // Trailer fields are read and dropped; the empty line ends the message.
            if (line === '') {
              this.finish(data, at)
              return
            }
            continue
          }
          const size = chunkSize(line)
          if (size === 0) this.state = 'trailers'
          else {
            this.state = 'chunk-data'
            this.remaining = size
          }
          break
        }
        case 'done':
          malformed('HPE_CLOSED_CONNECTION', 'data after the response, which no request asked for')
      }
    }
  }

  /**
   * The backend closed its side: completes a body that runs to the close; whether the response was
   * complete (false: it ended before its head or body was whole).
   */
  end(): boolean {
    if (this.state === 'close') {
      this.state = 'done'
      this.events.complete(undefined)
      return true
    }
    return this.state === 'done'
  }

  /**
   * Where `marker` starts after `at`, within `limit` bytes; -1 when it has not come yet, with the piece kept
   * for the next read.
   */
  private endOf(
    data: Buffer,
    at: number,
    marker: Buffer,
    limit: number,
    code: string,
    message: string,
  ): number {
    const end = data.indexOf(marker, at)
    if ((end < 0 ? data.length : end) - at > limit) malformed(code, message)
    if (end < 0) this.pending = data.subarray(at)
    return end
  }

  /** Hands on what `data` holds of the `remaining` body bytes from `at`; where the rest starts. */
  private passBody(data: Buffer, at: number): number {
    const take = Math.min(this.remaining, data.length - at)
    this.remaining -= take
    this.events.body(data.subarray(at, at + take))
    return at + take
  }

  private finish(data: Buffer, at: number): void {
    this.state = 'done'
    this.events.complete(at < data.length ? data.subarray(at) : undefined)
  }

  private readHead(text: string): void {
    if (hasBadCharacter(text)) malformed('HPE_INVALID_HEADER_TOKEN', 'a control character in the head')
    const lines = text.split('\r\n')
    const statusLine = lines[0] as string
    // "HTTP/1.1 200 OK": version, a space, three digits, then a space and the reason (which may be empty).
    if (
      !statusLine.startsWith('HTTP/1.') ||
      statusLine.charCodeAt(8) !== 32 ||
      (statusLine.length > 12 && statusLine.charCodeAt(12) !== 32)
    )
      malformed(
        'HPE_INVALID_CONSTANT',
        `not an HTTP/1 status line: ${JSON.stringify(statusLine.slice(0, 40))}`,
      )
    const minor = statusLine.charCodeAt(7) - 48
    const status = Number(statusLine.slice(9, 12))
    if ((minor !== 0 && minor !== 1) || !Number.isInteger(status) || status < 100 || statusLine.length < 12)
      malformed('HPE_INVALID_STATUS', `not an HTTP/1 status line: ${JSON.stringify(statusLine.slice(0, 40))}`)
    const rawHeaders: string[] = []
    let contentLength: string | undefined
    let transferEncoding: string | undefined
    let connection: string | undefined
    let keepAliveHint: string | undefined
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string
      const colon = line.indexOf(':')
      if (colon <= 0) malformed('HPE_INVALID_HEADER_TOKEN', 'a header line without a name')
      const name = line.slice(0, colon)
      if (!isToken(name)) malformed('HPE_INVALID_HEADER_TOKEN', `invalid header name ${JSON.stringify(name)}`)
      const value = trimWhitespace(line.slice(colon + 1))
      rawHeaders.push(name, value)
      // Only the names the framing depends on are compared, and only when their length matches.
      if (name.length === 14 && name.toLowerCase() === 'content-length') {
        const length = trimWhitespace(value)
        if (contentLength !== undefined && contentLength !== length)
          malformed('HPE_UNEXPECTED_CONTENT_LENGTH', 'conflicting Content-Length headers')
        contentLength = length
      } else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding')
        transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`
      else if (name.length === 10) {
        const lower = name.toLowerCase()
        if (lower === 'connection') connection = connection === undefined ? value : `${connection}, ${value}`
        else if (lower === 'keep-alive') keepAliveHint = value
      }
    }
    // Interim responses (100 Continue, 103 Early Hints) are not relayed; the final one follows.
    if (status < 200) {
      if (status === 101) malformed('HPE_UNEXPECTED_UPGRADE', 'the backend switched protocols unasked')
      return
    }
    const framing = this.framing(status, contentLength, transferEncoding)
    const keepAlive =
      !framing.closeAfter &&
      framing.state !== 'close' &&
      (minor === 1
        ? !(connection && listHas(connection, 'close'))
        : !!connection && listHas(connection, 'keep-alive'))
    this.state = framing.state
    this.remaining = framing.length
    this.events.head({
      status,
      statusText: statusLine.slice(13),
      rawHeaders,
      keepAlive,
      keepAliveMs: keepAliveHint === undefined ? undefined : keepAliveMs(keepAliveHint),
    })
  }

  /** How the body is delimited (RFC 9112 §6.3). */
  private framing(
    status: number,
    contentLength: string | undefined,
    transferEncoding: string | undefined,
  ): Framing {
    if (this.method === 'HEAD' || status === 204 || status === 304) return { state: 'done', length: 0 }
    if (transferEncoding !== undefined) {
      const codings = transferEncoding.split(',')
      const last = trimWhitespace(codings[codings.length - 1] as string).toLowerCase()
      if (last !== 'chunked') return { state: 'close', length: 0 }
      // Both framings at once is how responses are smuggled: read it as chunked, never reuse the connection.
      return contentLength === undefined
        ? { state: 'chunk-size', length: 0 }
        : { state: 'chunk-size', length: 0, closeAfter: true }
    }
    if (contentLength !== undefined) {
      if (!/^\d{1,15}$/.test(contentLength))
        malformed('HPE_INVALID_CONTENT_LENGTH', `invalid Content-Length ${JSON.stringify(contentLength)}`)
      const length = Number(contentLength)
      return { state: length === 0 ? 'done' : 'length', length }
    }
    return { state: 'close', length: 0 }
  }
}

/** A chunk-size line: hex digits, then optional extensions after ';' (ignored). */
function chunkSize(line: string): number {
  const semicolon = line.indexOf(';')
  const digits = trimWhitespace(semicolon < 0 ? line : line.slice(0, semicolon))
  if (!/^[0-9a-fA-F]{1,12}$/.test(digits))
    malformed('HPE_INVALID_CHUNK_SIZE', `invalid chunk size ${JSON.stringify(line.slice(0, 20))}`)
  return Number.parseInt(digits, 16)
}

/** The last hint read, since a backend says the same one on every response. */
let lastHint = { hint: '', ms: undefined as number | undefined }

/** `timeout=5, max=1000` → 5000; undefined when no timeout is given. */
function keepAliveMs(hint: string): number | undefined {
  if (hint === lastHint.hint) return lastHint.ms
  const match = /(?:^|[\s,])timeout\s*=\s*(\d+)/i.exec(hint)
  lastHint = { hint, ms: match ? Number(match[1]) * 1000 : undefined }
  return lastHint.ms
}
