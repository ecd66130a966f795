// The data plane as a public client meets it: the VIM's FrontProxy in front of the agent's own local
// load balancer in front of a header-echoing backend, all on real sockets. Spoofed forwarding headers
// and hop-by-hop headers must not reach the backend, the agent's status page must not be reachable
// through the front proxy, and WebSockets must still work through both tiers.
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http'
import { type AddressInfo, connect } from 'node:net'
import { networkInterfaces } from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { FrontProxy } from '../../src/main/proxy/front-proxy'
import { BackendPool } from '../../src/shared/balancer'
import { TrustedProxies } from '../../src/shared/proxy/forwarding'
import { RequestMeter } from '../../src/shared/proxy/request-meter'
import type { Agent } from '../../vmm-agent/agent'
import { type LocalLoadBalancer, startLocalLoadBalancer } from '../../vmm-agent/proxy/local-lb'
import type { AgentStatus } from '../../vmm-agent/status'
import { type RawReply, type RawRequest, rawRequest } from '../support/raw-http'

const TOKEN = 'data-plane-join-token'
const AGENT_ID = 'agent-7f3c2a'
const AGENT_PID = 424242

/** This machine's address on a non-loopback interface: a client (or proxy) that is not local. */
const outsideAddress = Object.values(networkInterfaces())
  .flat()
  .find((entry) => entry && entry.family === 'IPv4' && !entry.internal)?.address

interface Echo {
  url: string
  method: string
  headers: IncomingHttpHeaders
}

const cleanups: (() => Promise<void>)[] = []
let backendServer: Server
/** Every request line the backend was given (method and target), in order. */
const backendSaw: string[] = []
let lb: LocalLoadBalancer
let front: FrontProxy
let frontPort: number

async function listen(server: Server, host: string): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  cleanups.push(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return (server.address() as AddressInfo).port
}

beforeAll(async () => {
  // The workload stand-in: echoes what reached it, answers with hop-by-hop headers of its own.
  backendServer = createServer((req, res) => {
    backendSaw.push(`${req.method} ${req.url}`)
    const body = JSON.stringify({
      url: req.url ?? '',
      method: req.method ?? '',
      headers: req.headers,
    } satisfies Echo)
    res.writeHead(200, {
      'Content-Type': 'application/json',
      Connection: 'X-Backend-Secret',
      'X-Backend-Secret': 'internal',
      'Keep-Alive': 'timeout=5',
      'Proxy-Authenticate': 'Basic realm="upstream"',
      'X-Served-By': 'lab-1/c1',
    })
    res.end(body)
  })
  const wss = new WebSocketServer({ server: backendServer })
  wss.on('connection', (socket, req) => {
    socket.send(JSON.stringify({ forwardedFor: req.headers['x-forwarded-for'] }))
    socket.on('message', (data) => socket.send(`echo:${data}`))
  })
  cleanups.push(async () => {
    for (const client of wss.clients) client.terminate()
    await new Promise((resolve) => wss.close(resolve))
  })
  const backendPort = await listen(backendServer, '127.0.0.1')

  // The agent's own load balancer, given a stand-in Agent holding one ready replica: the backend.
  const pool = new BackendPool()
  pool.setBackend({ id: 'c1', weight: 1 })
  const agent = {
    pool,
    meter: new RequestMeter(),
    replicas: new Map([['c1', { handle: { host: '127.0.0.1', port: backendPort } }]]),
    config: { name: 'lab-1' },
  }
  const status = () => ({ name: 'lab-1', agentId: AGENT_ID, pid: AGENT_PID }) as AgentStatus
  // As the agent does: it trusts the address its hub connection goes to, here the VIM on loopback.
  const vim = TrustedProxies.parse(['127.0.0.1'])
  if (!vim.ok) throw new Error(vim.message)
  lb = await startLocalLoadBalancer(agent as unknown as Agent, status, '0.0.0.0', 0, {
    token: TOKEN,
    trustedProxies: () => vim.trusted,
  })
  cleanups.push(() => lb.close(1000))

  front = new FrontProxy({ host: '0.0.0.0', port: 0 })
  front.syncBackends([{ vmId: 'lab-1', address: { host: '127.0.0.1', port: lb.port }, readyContainers: 1 }])
  frontPort = await front.start()
  cleanups.push(() => front.close())
})

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

type Answer = RawReply

/** One request with exactly these headers (fetch refuses hop-by-hop ones), from `from` if given. */
const send = (
  port: number,
  path: string,
  headers: Record<string, string>,
  options: Omit<RawRequest, 'headers' | 'body'> = {},
): Promise<Answer> => rawRequest(port, path, { ...options, headers })

const echoed = (answer: Answer) => JSON.parse(answer.body) as Echo

describe('front proxy → agent load balancer → backend', () => {
  it('keeps hop-by-hop headers from the backend, in both directions', async () => {
    const answer = await send(frontPort, '/', {
      Connection: 'keep-alive, X-Client-Secret',
      'X-Client-Secret': 'do-not-forward',
      'Keep-Alive': 'timeout=600',
      'Proxy-Authorization': 'Basic dXNlcjpwYXNz',
      'Proxy-Connection': 'keep-alive',
      TE: 'trailers',
      Upgrade: 'h2c',
      'X-End-To-End': 'kept',
    })
    expect(answer.status).toBe(200)
    const seen = echoed(answer).headers
    for (const name of [
      'x-client-secret',
      'keep-alive',
      'proxy-authorization',
      'proxy-connection',
      'te',
      'upgrade',
    ])
      expect(seen, name).not.toHaveProperty(name)
    expect(seen['x-end-to-end']).toBe('kept')
    // And back: the backend's own hop-by-hop headers stop at the proxies.
    expect(answer.headers).not.toHaveProperty('x-backend-secret')
    expect(answer.headers).not.toHaveProperty('proxy-authenticate')
    expect(answer.headers['keep-alive']).not.toBe('timeout=5')
    expect(answer.headers['x-served-by']).toBe('lab-1/c1')
  })

  it('answers an h2c upgrade request as plain HTTP/1.1, without the upgrade reaching the backend', async () => {
    const answer = await send(frontPort, '/h2c', {
      Connection: 'Upgrade, HTTP2-Settings',
      Upgrade: 'h2c',
      'HTTP2-Settings': 'AAMAAABkAARAAAAAAAIAAAAA',
    })
    expect(answer.status).toBe(200)
    const seen = echoed(answer)
    expect(seen.url).toBe('/h2c')
    expect(seen.headers).not.toHaveProperty('upgrade')
    expect(seen.headers).not.toHaveProperty('http2-settings')
  })

  it('refuses an h2c upgrade request that has a body, with a message, instead of hanging', async () => {
    const answer = await new Promise<Answer>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: frontPort,
          path: '/upload',
          method: 'POST',
          agent: false,
          headers: {
            Connection: 'Upgrade, HTTP2-Settings',
            Upgrade: 'h2c',
            'HTTP2-Settings': 'AAM',
            'Content-Length': '5',
          },
        },
        (res) => {
          let body = ''
          res.on('data', (chunk) => (body += chunk))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
        },
      )
      req.on('error', reject)
      req.end('hello')
    })
    expect(answer.status).toBe(400)
    expect(answer.body).toMatch(/without Upgrade/)
  })

  it.skipIf(!outsideAddress)(
    "replaces a client's spoofed forwarding headers; the backend sees the real client first",
    async () => {
      const client = outsideAddress as string
      const answer = await send(
        frontPort,
        '/',
        {
          Host: 'shop.example:8080',
          'X-Forwarded-For': '6.6.6.6',
          'X-Forwarded-Host': 'evil.example',
          'X-Forwarded-Proto': 'https',
          'X-Forwarded-Port': '443',
          'X-Real-IP': '6.6.6.6',
          Forwarded: 'for=6.6.6.6;proto=https',
        },
        { host: client, from: client },
      )
      const seen = echoed(answer).headers
      // The outer tier replaced the client's claims; the inner tier trusts the outer and appended it.
      expect(seen['x-forwarded-for']).toBe(`${client}, 127.0.0.1`)
      expect(seen['x-forwarded-host']).toBe('shop.example:8080')
      expect(seen['x-forwarded-proto']).toBe('http')
      expect(seen['x-forwarded-port']).toBe('8080')
      expect(seen).not.toHaveProperty('x-real-ip')
      expect(seen.forwarded).toBe(
        `for=${client};host="shop.example:8080";proto=http, for=127.0.0.1;host="shop.example:8080";proto=http`,
      )
      expect(JSON.stringify(seen)).not.toContain('6.6.6.6')
      expect(JSON.stringify(seen)).not.toContain('evil.example')
    },
  )

  it("keeps a trusted proxy's chain at the front when the user lists it", async () => {
    front.setTrustedProxies(
      (TrustedProxies.parse(['127.0.0.1']) as { ok: true; trusted: TrustedProxies }).trusted,
    )
    try {
      const answer = await send(frontPort, '/', {
        'X-Forwarded-For': '198.51.100.9',
        'X-Forwarded-Proto': 'https',
      })
      const seen = echoed(answer).headers
      expect(seen['x-forwarded-for']).toBe('198.51.100.9, 127.0.0.1, 127.0.0.1')
      expect(seen['x-forwarded-proto']).toBe('https')
    } finally {
      front.setTrustedProxies(TrustedProxies.none())
    }
  })

  it.each([
    '/_agent/status',
    '/_AGENT/status',
    '/%5Fagent/status',
    '//_agent/status',
    '/./_agent/status',
    '/x/../_agent/status',
  ])('does not expose the agent status page as %s through the front proxy', async (path) => {
    for (const method of ['GET', 'HEAD', 'POST']) {
      const answer = await send(frontPort, path, {}, { method })
      expect(answer.status, `${method} ${path}`).toBe(404)
      expect(answer.body).not.toContain(AGENT_ID)
      expect(answer.body).not.toContain(String(AGENT_PID))
    }
  })

  it('serves the agent status page to a local caller, and elsewhere only with the join token', async () => {
    const local = await send(lb.port, '/_agent/status', {})
    expect(local.status).toBe(200)
    expect(JSON.parse(local.body)).toMatchObject({ agentId: AGENT_ID, pid: AGENT_PID })
    if (!outsideAddress) return
    const options = { host: outsideAddress, from: outsideAddress }
    const stranger = await send(lb.port, '/_agent/status', {}, options)
    expect(stranger.status).toBe(404)
    expect(stranger.body).not.toContain(AGENT_ID)
    const wrong = await send(lb.port, '/_agent/status', { Authorization: 'Bearer not-the-token' }, options)
    expect(wrong.status).toBe(404)
    const holder = await send(lb.port, '/_agent/status', { Authorization: `Bearer ${TOKEN}` }, options)
    expect(holder.status).toBe(200)
    expect(JSON.parse(holder.body)).toMatchObject({ agentId: AGENT_ID })
  })

  it('carries a WebSocket through both tiers, with forwarding headers set from the connection', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${frontPort}/live`, {
      headers: { 'X-Forwarded-For': '6.6.6.6' },
    })
    try {
      const messages: string[] = []
      const next = () =>
        new Promise<string>((resolve, reject) => {
          socket.once('message', (data) => resolve(data.toString()))
          socket.once('error', reject)
        })
      messages.push(await next())
      socket.send('ping')
      messages.push(await next())
      expect(JSON.parse(messages[0] as string)).toEqual({ forwardedFor: '127.0.0.1, 127.0.0.1' })
      expect(messages[1]).toBe('echo:ping')
    } finally {
      socket.terminate()
    }
  })

  it('lets no request be smuggled past the front proxy, whatever framing trick carries it', async () => {
    const inner = 'GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n'
    const payloads = [
      // CL.TE and TE.CL: both framings at once.
      `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${5 + inner.length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${inner}`,
      `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n${inner.length.toString(16)}\r\n${inner}\r\n0\r\n\r\n`,
      // A framing header hidden by spelling, folding or duplication.
      `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n${inner}`,
      `POST / HTTP/1.1\r\nHost: a\r\nX-Pad: 1\r\n Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n${inner}`,
      `GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: ${inner.length}\r\n\r\n${inner}`,
      // A request in the body of a GET is that GET's body, never a request of its own.
      `GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: ${inner.length}\r\n\r\n${inner}`,
      // Bare LF line ends behind a plain request: the first is served, the rest refused.
      `GET /first HTTP/1.1\r\nHost: a\r\n\r\n${inner.replaceAll('\r\n', '\n')}`,
    ]
    for (const payload of payloads) {
      const answers = await rawExchange(frontPort, payload)
      expect(answers, JSON.stringify(payload)).toMatch(/^HTTP\/1\.1 (200|400) /)
    }
    expect(backendSaw.filter((line) => line.includes('smuggled'))).toEqual([])
  })
})

/** Writes `payload` on a new connection and collects everything the server sends until it closes. */
function rawExchange(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(
        new Error(`no close within 5 s after ${JSON.stringify(payload)}; got ${JSON.stringify(received)}`),
      )
    }, 5000)
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => (received += chunk))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(received)
    })
    socket.write(payload)
  })
}
