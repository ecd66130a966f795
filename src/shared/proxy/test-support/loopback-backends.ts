// Real backends on loopback that misbehave in the ways a proxy must survive: never accept, accept and
// never answer, answer then stall, reset, answer slowly. Every one started here is closed by closeAll().
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import {
  type AddressInfo,
  connect,
  createServer as createTcpServer,
  type Socket,
  type Server as TcpServer,
} from 'node:net'
import { createInterface } from 'node:readline'

const servers: (Server | TcpServer)[] = []
const sockets = new Set<Socket>()
const children: ChildProcess[] = []

async function listen(server: Server | TcpServer): Promise<number> {
  servers.push(server)
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

/** An HTTP backend; `seen` lists the request paths in arrival order. */
export async function httpBackend(
  name: string,
  handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end(name),
): Promise<{ port: number; seen: string[] }> {
  const seen: string[] = []
  const port = await listen(
    createServer((req, res) => {
      seen.push(req.url ?? '')
      res.setHeader('X-Served-By', name)
      handle(req, res)
    }),
  )
  return { port, seen }
}

/** Accepts connections and reads requests but never answers; counts the connections it got. */
export async function silentBackend(): Promise<{ port: number; connections: () => number }> {
  let count = 0
  const server = createTcpServer((socket) => {
    count += 1
    socket.resume()
  })
  return { port: await listen(server), connections: () => count }
}

/** Reads the request head, then resets the connection; counts the requests it saw. */
export async function resettingBackend(): Promise<{ port: number; requests: () => number }> {
  let count = 0
  const server = createTcpServer((socket) => {
    let head = ''
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1')
      if (!head.includes('\r\n\r\n')) return
      count += 1
      socket.resetAndDestroy()
    })
  })
  return { port: await listen(server), requests: () => count }
}

/**
 * A port whose listener never accepts: a child process listens with a backlog of 1 and blocks its event
 * loop (no CPU); two connections fill the kernel's accept queue, so later ones stay in SYN-SENT.
 */
export async function unacceptingPort(): Promise<number> {
  const script = `
    const net = require('node:net')
    const server = net.createServer().listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
      require('node:fs').writeSync(1, server.address().port + '\\n')
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120000)
    })`
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(child)
  const lines = createInterface({ input: child.stdout! })
  const port = Number(
    await new Promise<string>((resolve, reject) => {
      lines.once('line', resolve)
      child.once('exit', (code) => reject(new Error(`the unaccepting listener exited (${code})`)))
    }),
  )
  await Promise.all(
    [0, 1].map(
      () =>
        new Promise<void>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1', () => resolve())
          sockets.add(socket)
          socket.once('error', reject)
        }),
    ),
  )
  return port
}

/** A raw HTTP/1.1 request whose socket the test controls (to hang up at a chosen moment). */
export function rawRequest(port: number, path: string): Socket {
  const socket = connect(port, '127.0.0.1')
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)
  socket.on('error', () => {})
  sockets.add(socket)
  return socket
}

export async function closeAll(): Promise<void> {
  for (const socket of sockets) socket.destroy()
  sockets.clear()
  for (const child of children.splice(0))
    if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL')
  for (const server of servers.splice(0)) {
    if ('closeAllConnections' in server) server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
}
