// The lean path's response reader: every framing, split at every byte, and the responses it must refuse
// because reading them leniently could put the connection out of step.
import { describe, expect, it } from 'vitest'
import { MalformedResponse, type ResponseHead, ResponseParser } from './response-parser'

interface Read {
  heads: ResponseHead[]
  body: string
  completions: number
  rest: string | undefined
}

function reader(method = 'GET') {
  const read: Read = { heads: [], body: '', completions: 0, rest: undefined }
  const parser = new ResponseParser({
    head: (head) => read.heads.push(head),
    body: (chunk) => (read.body += chunk.toString('latin1')),
    complete: (rest) => {
      read.completions++
      read.rest = rest?.toString('latin1')
    },
  })
  parser.start(method)
  return { parser, read }
}

/** Feeds `wire` in pieces cut at `cut`, then again cut everywhere: the result must not depend on where reads end. */
function readSplit(wire: string, method = 'GET'): Read[] {
  const results: Read[] = []
  for (let cut = 1; cut < wire.length; cut++) {
    const { parser, read } = reader(method)
    parser.feed(Buffer.from(wire.slice(0, cut), 'latin1'))
    parser.feed(Buffer.from(wire.slice(cut), 'latin1'))
    results.push(read)
  }
  const { parser, read } = reader(method)
  for (const byte of Buffer.from(wire, 'latin1')) parser.feed(Buffer.from([byte]))
  results.push(read)
  return results
}

function refuses(wire: string, code: string, method = 'GET'): void {
  const { parser } = reader(method)
  let error: unknown
  try {
    parser.feed(Buffer.from(wire, 'latin1'))
  } catch (caught) {
    error = caught
  }
  expect(error).toBeInstanceOf(MalformedResponse)
  expect((error as MalformedResponse).code).toBe(code)
}

describe('ResponseParser', () => {
  it('reads a Content-Length response the same wherever the reads are cut', () => {
    const wire =
      'HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-Served-By:  vm/c1 \r\nKeep-Alive: timeout=5\r\n\r\nhello world'
    for (const read of readSplit(wire)) {
      expect(read.heads).toHaveLength(1)
      expect(read.heads[0]).toEqual({
        status: 200,
        statusText: 'OK',
        rawHeaders: ['Content-Length', '11', 'X-Served-By', 'vm/c1', 'Keep-Alive', 'timeout=5'],
        keepAlive: true,
        keepAliveMs: 5000,
      })
      expect(read.body).toBe('hello world')
      expect(read.completions).toBe(1)
      expect(read.rest).toBeUndefined()
    }
  })

  it('decodes a chunked body with extensions and trailers, wherever the reads are cut', () => {
    const wire =
      'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5;name=x\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n'
    for (const read of readSplit(wire)) {
      expect(read.heads[0]?.status).toBe(201)
      expect(read.body).toBe('hello world')
      expect(read.completions).toBe(1)
    }
  })

  it('skips interim responses and reads the final one', () => {
    const { parser, read } = reader()
    parser.feed(Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n'))
    expect(read.heads).toHaveLength(0)
    parser.feed(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'))
    expect(read.heads.map((h) => h.status)).toEqual([204])
    expect(read.completions).toBe(1)
  })

  it.each([
    ['a HEAD request', 'HEAD', 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n'],
    ['a 304', 'GET', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n'],
    ['Content-Length 0', 'GET', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'],
  ])('expects no body for %s', (_name, method, wire) => {
    const { parser, read } = reader(method)
    parser.feed(Buffer.from(wire))
    expect(read.completions).toBe(1)
    expect(read.body).toBe('')
    expect(read.heads[0]?.keepAlive).toBe(true)
  })

  it('reads a body without a length up to the close, and never reuses that connection', () => {
    const { parser, read } = reader()
    parser.feed(Buffer.from('HTTP/1.1 200 OK\r\n\r\npart one, '))
    parser.feed(Buffer.from('part two'))
    expect(read.completions).toBe(0)
    expect(parser.end()).toBe(true)
    expect(read.body).toBe('part one, part two')
    expect(read.completions).toBe(1)
    expect(read.heads[0]?.keepAlive).toBe(false)
  })

  it('says a response cut short by the close is incomplete', () => {
    const { parser, read } = reader()
    parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf'))
    expect(parser.end()).toBe(false)
    expect(read.completions).toBe(0)
  })

  it.each([
    [
      'HTTP/1.1, Connection: close',
      'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
      false,
    ],
    [
      'HTTP/1.1, Connection: Keep-Alive, Close',
      'HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\nContent-Length: 0\r\n\r\n',
      false,
    ],
    ['HTTP/1.0 without keep-alive', 'HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n', false],
    [
      'HTTP/1.0 with keep-alive',
      'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n',
      true,
    ],
    // Both framings at once is how responses are smuggled: read as chunked, and the connection goes.
    [
      'Transfer-Encoding with Content-Length',
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      false,
    ],
  ])('keeps the connection only when it may: %s', (_name, wire, keepAlive) => {
    const { parser, read } = reader()
    parser.feed(Buffer.from(wire))
    expect(read.heads[0]?.keepAlive).toBe(keepAlive)
    expect(read.completions).toBe(1)
  })

  it('hands back the bytes after a response, which no request asked for', () => {
    const { parser, read } = reader()
    parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n'))
    expect(read.body).toBe('ok')
    expect(read.rest).toBe('HTTP/1.1 200 OK\r\n')
  })

  it.each([
    [
      'conflicting lengths',
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n',
      'HPE_UNEXPECTED_CONTENT_LENGTH',
    ],
    [
      'a length that is not a number',
      'HTTP/1.1 200 OK\r\nContent-Length: 3x\r\n\r\n',
      'HPE_INVALID_CONTENT_LENGTH',
    ],
    ['a folded header line', 'HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    ['a space before the colon', 'HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    [
      'a control character in a value',
      'HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\n\r\n',
      'HPE_INVALID_HEADER_TOKEN',
    ],
    [
      'a bare LF inside a line',
      'HTTP/1.1 200 OK\r\nX-A: a\nContent-Length: 5\r\n\r\n',
      'HPE_INVALID_HEADER_TOKEN',
    ],
    ['not HTTP', 'SSH-2.0-OpenSSH_9.2\r\n\r\n', 'HPE_INVALID_CONSTANT'],
    ['a two-digit status', 'HTTP/1.1 20 OK\r\n\r\n', 'HPE_INVALID_CONSTANT'],
    ['HTTP/2 in an HTTP/1 head', 'HTTP/1.2 200 OK\r\n\r\n', 'HPE_INVALID_STATUS'],
    [
      'an unasked upgrade',
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n',
      'HPE_UNEXPECTED_UPGRADE',
    ],
    [
      'a bad chunk size',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'HPE_INVALID_CHUNK_SIZE',
    ],
    [
      'chunk data longer than its size',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n',
      'HPE_INVALID_CHUNK_SIZE',
    ],
    ['a head without an end', `HTTP/1.1 200 OK\r\nX-A: ${'a'.repeat(17 * 1024)}`, 'HPE_HEADER_OVERFLOW'],
  ])('refuses %s', (_name, wire, code) => refuses(wire, code))

  it('refuses bytes that arrive once the response is complete and before the next request', () => {
    const { parser } = reader()
    parser.feed(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'))
    expect(() => parser.feed(Buffer.from('x'))).toThrow(MalformedResponse)
  })

  it('reads one response after another on the same connection', () => {
    const { parser, read } = reader()
    parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na'))
    parser.start('GET')
    parser.feed(Buffer.from('HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nb'))
    expect(read.heads.map((h) => h.status)).toEqual([200, 404])
    expect(read.heads[1]?.statusText).toBe('Not Found')
    expect(read.body).toBe('ab')
    expect(read.completions).toBe(2)
  })
})
