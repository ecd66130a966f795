// The shared forwarder against real loopback HTTP servers.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { BackendPool } from '../balancer'
import { type BackendAddress, createBalancedProxy } from './balanced-proxy'
import { RequestMeter } from './request-meter'
import { CLIENT_SIDES, type ClientSide, type ProxyServer, proxyServer } from './test-support/proxy-server'

const servers: Server[] = []
const proxies: ProxyServer[] = []
/** The client side the current suite runs the proxies on. */
let side: ClientSide = 'lean'

async function listen(server: Server): Promise<number> {
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

/** A backend that names itself and echoes the forwarded headers it received. */
function backend(name: string): Promise<number> {
  return listen(
    createServer((req, res) => {
      res.setHeader('X-Served-By', name)
      res.end(
        JSON.stringify({
          forwardedFor: req.headers['x-forwarded-for'],
          forwardedHost: req.headers['x-forwarded-host'],
        }),
      )
    }),
  )
}

/** A port with nothing listening: bind one, remember it, close it. */
async function deadPort(): Promise<number> {
  const server = createServer()
  const port = await listen(server)
  await new Promise((resolve) => server.close(resolve))
  servers.splice(servers.indexOf(server), 1)
  return port
}

async function frontWith(addresses: Record<string, BackendAddress>, pool = new BackendPool()) {
  for (const id of Object.keys(addresses)) pool.setBackend({ id, weight: 1 })
  const meter = new RequestMeter()
  const proxy = createBalancedProxy({
    pool,
    meter,
    resolve: (id) => addresses[id],
    noBackendMessage: () => 'No VM is ready yet.',
  })
  const server = await proxyServer(proxy, side)
  proxies.push(server)
  return { url: server.url, pool, meter }
}

afterEach(async () => {
  for (const server of proxies.splice(0)) await server.close()
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

describe.each(CLIENT_SIDES)('createBalancedProxy (%s client side)', (clientSide) => {
  beforeEach(() => {
    side = clientSide
  })

  it('answers 503 with a JSON error when no backend is ready', async () => {
    const { url } = await frontWith({})
    const response = await fetch(url)
    expect(response.status).toBe(503)
    expect(response.headers.get('content-type')).toMatch(/application\/json/)
    expect(await response.json()).toEqual({ error: { code: 'unavailable', message: 'No VM is ready yet.' } })
  })

  it('forwards to the backends, keeps their headers and adds X-Forwarded-*', async () => {
    const { url, meter } = await frontWith({
      a: { host: '127.0.0.1', port: await backend('vm-a') },
      b: { host: '127.0.0.1', port: await backend('vm-b') },
    })
    const servedBy = new Set<string | null>()
    for (let i = 0; i < 20; i++) {
      const response = await fetch(url)
      servedBy.add(response.headers.get('x-served-by'))
      const body = (await response.json()) as { forwardedFor: string; forwardedHost: string }
      expect(body.forwardedFor).toMatch(/127\.0\.0\.1/)
      expect(body.forwardedHost).toBe(new URL(url).host)
    }
    expect(servedBy).toEqual(new Set(['vm-a', 'vm-b']))
    expect(meter.summary(undefined, 10).requestRate * 10).toBe(20)
  })

  it('retries an idempotent request on another backend when the first cannot be reached', async () => {
    const live = await backend('vm-live')
    const dead = await deadPort()
    // Only the dead backend is picked first: it is the sole candidate until the live one is added.
    const pool = new BackendPool({ random: () => 0 })
    const { url } = await frontWith(
      { dead: { host: '127.0.0.1', port: dead }, live: { host: '127.0.0.1', port: live } },
      pool,
    )
    for (let i = 0; i < 6; i++) {
      const response = await fetch(url)
      expect(response.status).toBe(200)
      expect(response.headers.get('x-served-by')).toBe('vm-live')
    }
    // Every answer came from the live backend although the dead one was tried: the retry did it.
    const deadStats = pool.snapshot().find((s) => s.id === 'dead')
    expect(deadStats?.failures).toBeGreaterThanOrEqual(1)
  })

  it('says which backend failed and how when no other backend can take the request', async () => {
    const { url } = await frontWith({ dead: { host: '127.0.0.1', port: await deadPort() } })
    const response = await fetch(url, { method: 'POST', body: 'x' })
    expect(response.status).toBe(502)
    expect(await response.json()).toEqual({
      error: { code: 'bad_gateway', message: 'dead refused the connection' },
    })
  })

  it('passes WebSockets through', async () => {
    const wsServer = createServer()
    const wss = new WebSocketServer({ server: wsServer })
    wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`echo:${data}`)))
    const { url } = await frontWith({ ws: { host: '127.0.0.1', port: await listen(wsServer) } })
    const client = new WebSocket(url.replace('http', 'ws'))
    const reply = await new Promise<string>((resolve, reject) => {
      client.on('open', () => client.send('hello'))
      client.on('message', (data) => resolve(data.toString()))
      client.on('error', reject)
    })
    expect(reply).toBe('echo:hello')
    client.close()
    wss.close()
  })
})
