// The lean path's connections against real sockets: reuse, the backend closing a kept-alive socket just
// as it is reused, bounded waits, and responses that must not be read.
import { createServer as createHttpServer, type Server } from 'node:http'
import { type AddressInfo, createServer, type Server as NetServer, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { BackendConnections, type UpstreamErrorKind } from './upstream-connections'

interface Outcome {
  status?: number
  headers?: string[]
  body: string
  error?: { kind: UpstreamErrorKind; code: string }
}

function request(
  connections: BackendConnections,
  options: { method?: string; path?: string; headTimeoutMs?: number; idleMs?: number } = {},
): Promise<Outcome> {
  return new Promise((resolve) => {
    const outcome: Outcome = { body: '' }
    connections.dispatch(
      {
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: ['host', 'example.test'],
        headTimeoutMs: options.headTimeoutMs ?? 5000,
        idleMs: options.idleMs ?? 5000,
      },
      {
        onConnect: () => {},
        onHeaders: (status, headers) => {
          outcome.status = status
          outcome.headers = headers
          return true
        },
        onData: (chunk) => {
          outcome.body += chunk.toString()
          return true
        },
        onComplete: () => resolve(outcome),
        onError: (kind, code) => resolve({ ...outcome, error: { kind, code } }),
      },
    )
  })
}

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

async function listen<T extends Server | NetServer>(server: T): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(
    () =>
      new Promise((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return (server.address() as AddressInfo).port
}

/** A raw backend: `answer` writes whatever it likes for each request it reads; counts connections. */
async function rawBackend(answer: (socket: Socket, request: string, index: number) => void) {
  const sockets = new Set<Socket>()
  let connections = 0
  let requests = 0
  const server = createServer((socket) => {
    connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    let buffered = ''
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1')
      let end = buffered.indexOf('\r\n\r\n')
      while (end >= 0) {
        answer(socket, buffered.slice(0, end), requests++)
        buffered = buffered.slice(end + 4)
        end = buffered.indexOf('\r\n\r\n')
      }
    })
  })
  closers.push(async () => {
    for (const socket of sockets) socket.destroy()
  })
  const port = await listen(server)
  return { port, connections: () => connections }
}

/** Answers the first request, and closes the connection on the second without reading it (a keep-alive race). */
const closesSecondRequestUnread = () =>
  rawBackend((socket, _request, index) => {
    if (index === 1) return void socket.destroy()
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
  })

describe('BackendConnections', () => {
  it('sends requests one after another on one kept-alive connection, with the head it was given', async () => {
    let connections = 0
    const seen: string[] = []
    const server = createHttpServer((req, res) => {
      seen.push(`${req.method} ${req.url} host=${req.headers.host}`)
      res.setHeader('X-Served-By', 'vm/c1')
      res.end(`answer ${seen.length}`)
    })
    server.on('connection', () => connections++)
    const port = await listen(server)
    const backend = new BackendConnections('127.0.0.1', port, 1000)
    closers.push(async () => backend.close(true))
    for (let i = 1; i <= 3; i++) {
      const outcome = await request(backend, { path: `/r${i}?q=1` })
      expect(outcome).toMatchObject({ status: 200, body: `answer ${i}` })
      expect(outcome.headers).toContain('vm/c1')
    }
    expect(seen).toEqual([
      'GET /r1?q=1 host=example.test',
      'GET /r2?q=1 host=example.test',
      'GET /r3?q=1 host=example.test',
    ])
    expect(connections).toBe(1)
    expect(backend.busy).toBe(0)
  })

  it('sends an idempotent request again on a new connection when the backend closed the reused one unread', async () => {
    const backend = await closesSecondRequestUnread()
    const connections = new BackendConnections('127.0.0.1', backend.port, 1000)
    closers.push(async () => connections.close(true))
    expect((await request(connections)).status).toBe(200)
    const again = await request(connections)
    expect(again).toMatchObject({ status: 200, body: 'ok' })
    expect(backend.connections()).toBe(2)
  })

  it('does not send a POST again, and says the connection was closed before the answer', async () => {
    const backend = await closesSecondRequestUnread()
    const connections = new BackendConnections('127.0.0.1', backend.port, 1000)
    closers.push(async () => connections.close(true))
    await request(connections)
    const post = await request(connections, { method: 'POST' })
    expect(post.error?.kind).toBe('reset')
    expect(backend.connections()).toBe(1)
  })

  it('says when a backend refuses the connection', async () => {
    const server = createServer()
    const port = await listen(server)
    await new Promise<void>((resolve) => server.close(() => resolve()))
    closers.pop()
    const connections = new BackendConnections('127.0.0.1', port, 1000)
    expect((await request(connections)).error).toEqual({ kind: 'connect-failed', code: 'ECONNREFUSED' })
  })

  it('gives up on a head that does not come within its time, and on a body that stands still', async () => {
    const backend = await rawBackend((socket, request) => {
      if (request.startsWith('GET /slow-head')) return
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf')
    })
    const connections = new BackendConnections('127.0.0.1', backend.port, 1000)
    closers.push(async () => connections.close(true))
    const started = performance.now()
    const head = await request(connections, { path: '/slow-head', headTimeoutMs: 150 })
    expect(head.error?.kind).toBe('head-timeout')
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
    const body = await request(connections, { path: '/stall', idleMs: 150 })
    expect(body).toMatchObject({ status: 200, body: 'half', error: { kind: 'idle-timeout' } })
  })

  it('refuses a response that could put the connection out of step, and does not reuse that connection', async () => {
    const backend = await rawBackend((socket, request) => {
      if (request.startsWith('GET /bad'))
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 20\r\n\r\nok')
      else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
    })
    const connections = new BackendConnections('127.0.0.1', backend.port, 1000)
    closers.push(async () => connections.close(true))
    const bad = await request(connections, { path: '/bad' })
    expect(bad.error).toEqual({ kind: 'reset', code: 'HPE_UNEXPECTED_CONTENT_LENGTH' })
    expect((await request(connections)).body).toBe('ok')
    expect(backend.connections()).toBe(2)
  })

  it('says a body cut by the backend broke, and reads one that runs to the close', async () => {
    const backend = await rawBackend((socket, request) => {
      if (request.startsWith('GET /cut')) socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf')
      else socket.end('HTTP/1.1 200 OK\r\n\r\nall of it')
    })
    const connections = new BackendConnections('127.0.0.1', backend.port, 1000)
    closers.push(async () => connections.close(true))
    expect(await request(connections, { path: '/cut' })).toMatchObject({
      body: 'half',
      error: { kind: 'broken' },
    })
    expect(await request(connections, { path: '/all' })).toEqual({
      status: 200,
      headers: [],
      body: 'all of it',
    })
  })
})
