// The lean client side over real sockets: what it answers itself, what it hands to node:http (and
// that nothing is lost or reordered on the way), its timeouts, and closing while answers are under way.
import { createServer, type Server } from 'node:http'
import { type AddressInfo, connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { until } from '../testing/poll'
import { type ClientResponse, type LeanServing, type ProxiedRequest, serveLean } from './lean-server'

interface Served {
  side: 'lean' | 'node'
  method: string
  url: string
  body: string
}

const servers: { server: Server; lean: LeanServing }[] = []
const sockets: Socket[] = []

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  for (const { server, lean } of servers.splice(0)) {
    const closed = new Promise((resolve) => server.close(resolve))
    lean.closeAll()
    await closed
  }
})

/**
 * A server whose lean handler answers "lean METHOD URL" (chunked for /chunked, held for /held) and
 * whose node:http handler answers "node METHOD URL BODY"; `served` records who served what.
 */
async function start(
  options: { takes?: (target: string) => boolean; headersTimeout?: number; keepAliveTimeout?: number } = {},
) {
  const served: Served[] = []
  const held: ClientResponse[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('latin1')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      served.push({ side: 'node', method: req.method ?? '', url: req.url ?? '', body })
      res.end(`node ${req.method} ${req.url} ${body}`)
    })
  })
  if (options.headersTimeout !== undefined) server.headersTimeout = options.headersTimeout
  if (options.keepAliveTimeout !== undefined) server.keepAliveTimeout = options.keepAliveTimeout
  const handle = (req: ProxiedRequest, res: ClientResponse) => {
    served.push({ side: 'lean', method: req.method ?? '', url: req.url ?? '', body: '' })
    if (req.url === '/held') return void held.push(res)
    if (req.url === '/big') return void sendBig(res)
    const text = Buffer.from(`lean ${req.method} ${req.url}`)
    if (req.url === '/chunked') {
      res.writeHead(200, undefined, ['X-Kind', 'chunked'])
      res.write(text.subarray(0, 4))
      res.write(text.subarray(4))
      res.end()
      return
    }
    res.writeHead(200, undefined, ['Content-Length', String(text.length)])
    res.end(text)
  }
  /** 4 MiB in 64 KiB writes that wait for 'drain' whenever the socket says it is full. */
  const big = { size: 4 * 1024 * 1024, full: 0, drains: 0 }
  const sendBig = (res: ClientResponse) => {
    const chunk = Buffer.alloc(64 * 1024, 'x')
    let sent = 0
    res.writeHead(200, undefined, ['Content-Length', String(big.size)])
    const more = () => {
      while (sent < big.size) {
        sent += chunk.length
        if (!res.write(chunk)) {
          big.full++
          return
        }
      }
      res.end()
    }
    res.on('drain', () => {
      big.drains++
      more()
    })
    more()
  }
  const lean = serveLean(server, { takes: options.takes ?? (() => true), handle })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.push({ server, lean })
  return { port: (server.address() as AddressInfo).port, served, held, lean, server, big }
}

/** A raw client: what it sent, everything it received, and whether the server closed the connection. */
function client(port: number) {
  const socket = connect(port, '127.0.0.1')
  sockets.push(socket)
  const seen = { text: '', closed: false }
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => (seen.text += chunk))
  socket.on('error', () => {})
  socket.on('close', () => (seen.closed = true))
  return { socket, seen, answers: () => seen.text.split('HTTP/1.1 ').length - 1 }
}

const bodyOf = (answer: string) => answer.slice(answer.indexOf('\r\n\r\n') + 4)

describe('serveLean', () => {
  it('answers plain requests itself on one kept-alive connection, pipelined ones in order', async () => {
    const { port, served } = await start()
    const { socket, seen, answers } = client(port)
    socket.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n')
    await until('two answers', () => answers() === 2)
    socket.write('HEAD /c HTTP/1.1\r\nHost: x\r\n\r\n')
    await until('three answers', () => answers() === 3)
    const [, first, second, third] = seen.text.split('HTTP/1.1 ')
    expect(first).toMatch(/^200 OK\r\n/)
    expect(first).toMatch(/\r\nConnection: keep-alive\r\n/)
    expect(first).toMatch(/\r\nDate: \w{3}, \d\d \w{3} \d{4} [\d:]{8} GMT\r\n/)
    expect(bodyOf(first as string)).toBe('lean GET /a')
    expect(bodyOf(second as string)).toBe('lean GET /b')
    // A HEAD answer carries the head only, even with a Content-Length.
    expect(third).toMatch(/Content-Length: 12\r\n/)
    expect(bodyOf(third as string)).toBe('')
    expect(served.map((s) => `${s.side} ${s.url}`)).toEqual(['lean /a', 'lean /b', 'lean /c'])
    expect(seen.closed).toBe(false)
  })

  it('chunks an answer of unknown length, and closes after one that asked to', async () => {
    const { port } = await start()
    const { socket, seen } = client(port)
    socket.write('GET /chunked HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    await until('the connection closed', () => seen.closed)
    expect(seen.text).toMatch(/\r\nTransfer-Encoding: chunked\r\n/)
    expect(seen.text).toMatch(/\r\nConnection: close\r\n/)
    expect(bodyOf(seen.text)).toBe('4\r\nlean\r\nd\r\n GET /chunked\r\n0\r\n\r\n')
  })

  it('hands the connection to node:http at the first request it does not serve, losing no byte', async () => {
    const { port, served } = await start({ takes: (target) => target !== '/_pages' })
    const { socket, answers, seen } = client(port)
    // Lean, then a body cut across two writes, then requests node:http keeps (the connection is its own now).
    socket.write(
      'GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc',
    )
    await until('the POST reaching node:http', () => served.length === 1 && answers() === 1)
    socket.write('def')
    socket.write('GET /c HTTP/1.1\r\nHost: x\r\n\r\n')
    await until('three answers', () => answers() === 3)
    expect(served).toEqual([
      { side: 'lean', method: 'GET', url: '/a', body: '' },
      { side: 'node', method: 'POST', url: '/b', body: 'abcdef' },
      { side: 'node', method: 'GET', url: '/c', body: '' },
    ])
    const pages = client(port)
    pages.socket.write('GET /_pages HTTP/1.1\r\nHost: x\r\n\r\n')
    await until('the page answered', () => pages.answers() === 1)
    expect(bodyOf(pages.seen.text)).toBe('node GET /_pages ')
    expect(seen.closed).toBe(false)
  })

  it("leaves malformed and smuggling-shaped requests to node:http's parser, which refuses them", async () => {
    const { port, served } = await start()
    const bad = [
      'GET / HTTP/1.1\nHost: x\n\n',
      'GET / HTTP/1.1\r\nHost: x\r\nX: 1\r\n folded\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nX: a\u0001b\r\n\r\n',
    ]
    for (const text of bad) {
      const { socket, seen } = client(port)
      socket.write(text)
      await until(`an answer to ${JSON.stringify(text)}`, () => seen.closed)
      expect(seen.text, JSON.stringify(text)).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
    }
    expect(served).toEqual([])
  })

  it('answers 408 to a head that does not arrive in time, and closes a connection left idle', async () => {
    const { port, served } = await start({ headersTimeout: 300, keepAliveTimeout: 200 })
    const slow = client(port)
    slow.socket.write('GET / HTTP/1.1\r\nHo')
    await until('the slow client cut off', () => slow.seen.closed, 3000)
    expect(slow.seen.text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/)
    const idle = client(port)
    idle.socket.write('GET /once HTTP/1.1\r\nHost: x\r\n\r\n')
    await until('the idle connection closed', () => idle.seen.closed, 3000)
    expect(bodyOf(idle.seen.text)).toBe('lean GET /once')
    expect(served.map((s) => s.url)).toEqual(['/once'])
  })

  it('holds a large answer back while the client does not read, and sends it whole once it does', async () => {
    const { port, big } = await start()
    const { socket, seen } = client(port)
    socket.pause()
    socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n')
    await until('the socket full', () => big.full > 0)
    socket.resume()
    await until(
      'the whole answer',
      () => seen.text.length >= big.size && bodyOf(seen.text).length === big.size,
    )
    expect(big.drains).toBeGreaterThan(0)
    expect(bodyOf(seen.text)).toBe('x'.repeat(big.size))
  })

  it('tells the handler when the client leaves before the answer is out', async () => {
    const { port, held } = await start()
    const { socket } = client(port)
    socket.write('GET /held HTTP/1.1\r\nHost: x\r\n\r\n')
    await until('the request held', () => held.length === 1)
    const res = held[0] as ClientResponse
    let closed = false
    res.once('close', () => (closed = true))
    socket.destroy()
    await until('the answer closed', () => closed)
    expect(res.destroyed).toBe(true)
    expect(res.writableFinished).toBe(false)
  })

  it('on closing, ends idle connections at once and busy ones after their answer, which says so', async () => {
    const { port, held, lean, server } = await start()
    const idle = client(port)
    idle.socket.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\n')
    await until('an answer on the idle connection', () => idle.answers() === 1)
    const busy = client(port)
    busy.socket.write('GET /held HTTP/1.1\r\nHost: x\r\n\r\n')
    await until('the request held', () => held.length === 1)
    const closed = new Promise((resolve) => server.close(resolve))
    lean.closeIdle()
    await until('the idle connection closed', () => idle.seen.closed)
    expect(busy.seen.closed).toBe(false)
    const res = held[0] as ClientResponse
    res.writeHead(200, undefined, ['Content-Length', '4'])
    res.end(Buffer.from('done'))
    await closed
    expect(busy.seen.text).toMatch(/\r\nConnection: close\r\n/)
    expect(bodyOf(busy.seen.text)).toBe('done')
    expect(busy.seen.closed).toBe(true)
  })
})
