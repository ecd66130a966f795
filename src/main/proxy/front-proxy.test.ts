// The front proxy against real loopback servers standing in for agents' load balancers.
import { createServer, type Server } from 'node:http'
import { type AddressInfo, connect, createServer as createTcpServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_PROXY_QUEUE, DEFAULT_PROXY_TIMEOUTS } from '../../shared/proxy/proxy-limits'
import { UNSERVED_HEADER } from '../../shared/proxy/unserved'
import { until } from '../../shared/testing/poll'
import { FrontProxy } from './front-proxy'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function agentLb(vmName: string): Promise<{ host: string; port: number }> {
  const server: Server = createServer((_req, res) => {
    res.setHeader('X-Served-By', `${vmName}/c1`)
    res.end('ok')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return { host: '127.0.0.1', port: (server.address() as AddressInfo).port }
}

async function front(options: Partial<ConstructorParameters<typeof FrontProxy>[0]> = {}) {
  const responses: [string | undefined, number][] = []
  const proxy = new FrontProxy({
    host: '127.0.0.1',
    port: 0,
    onResponse: (vm, status) => responses.push([vm, status]),
    ...options,
  })
  const port = await proxy.start()
  cleanups.push(() => proxy.close())
  return { proxy, url: `http://127.0.0.1:${port}`, responses }
}

describe('FrontProxy', () => {
  it('answers 503 JSON while no VM has a ready container', async () => {
    const { proxy, url } = await front()
    proxy.syncBackends([{ vmId: 'lab-1', address: await agentLb('lab-1'), readyContainers: 0 }])
    const response = await fetch(url)
    expect(response.status).toBe(503)
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
      /No VM is ready yet/,
    )
  })

  it('spreads requests over the VMs in proportion to their ready containers, and drops a VM at once', async () => {
    const { proxy, url, responses } = await front({ algorithm: 'weighted' })
    const a = await agentLb('lab-1')
    const b = await agentLb('lab-2')
    proxy.syncBackends([
      { vmId: 'lab-1', address: a, readyContainers: 3 },
      { vmId: 'lab-2', address: b, readyContainers: 1 },
    ])
    for (let i = 0; i < 40; i++) expect((await fetch(url)).status).toBe(200)
    expect(responses.filter(([vm]) => vm === 'lab-1')).toHaveLength(30)
    expect(responses.filter(([vm]) => vm === 'lab-2')).toHaveLength(10)

    proxy.syncBackends([{ vmId: 'lab-1', address: a, readyContainers: 3 }])
    responses.length = 0
    for (let i = 0; i < 10; i++) await fetch(url)
    expect(responses.every(([vm, status]) => vm === 'lab-1' && status === 200)).toBe(true)
  })

  it('on stopAccepting, refuses new connections and still answers the request it holds', async () => {
    let answer: (() => void) | undefined
    const held: Server = createServer((_req, res) => {
      answer = () => res.end('answered')
    })
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve))
    cleanups.push(async () => {
      held.closeAllConnections()
      await new Promise((resolve) => held.close(resolve))
    })
    const { proxy, url } = await front()
    const address = { host: '127.0.0.1', port: (held.address() as AddressInfo).port }
    proxy.syncBackends([{ vmId: 'lab-1', address, readyContainers: 1 }])
    const inFlight = fetch(url)
    await until('the request reached the VM', () => answer !== undefined, 2000)
    let stopped = false
    const stopping = proxy.stopAccepting().then(() => {
      stopped = true
    })
    await expect(fetch(url)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } })
    expect(stopped).toBe(false)
    answer?.()
    const response = await inFlight
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('answered')
    // Its connection closes after the answer: a keep-alive client cannot hold the shutdown open.
    expect(response.headers.get('connection')).toBe('close')
    await stopping
  })

  it('closes a connection whose client never finishes its headers', async () => {
    const { url } = await front({ headersTimeoutMs: 300, requestTimeoutMs: 300 })
    const { port } = new URL(url)
    const socket = connect(Number(port), '127.0.0.1')
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n') // and then nothing
    const answer = await new Promise<string>((resolve) => {
      let data = ''
      socket.on('data', (chunk) => (data += chunk))
      socket.on('close', () => resolve(data))
    })
    expect(answer).toMatch(/^HTTP\/1.1 408/)
  })

  it('retries a VM that answers "not served here" on another VM; the client never sees the marker', async () => {
    const { proxy, url, responses } = await front()
    const server = createServer((_req, res) => {
      res.writeHead(503, { [UNSERVED_HEADER]: 'no-backend', 'Retry-After': '1', 'X-Served-By': 'lab-1' })
      res.end('{"error":{"code":"unavailable","message":"No container is ready on VM lab-1 yet"}}')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanups.push(async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    })
    const emptied = { host: '127.0.0.1', port: (server.address() as AddressInfo).port }
    proxy.syncBackends([
      { vmId: 'lab-1', address: emptied, readyContainers: 1 },
      { vmId: 'lab-2', address: await agentLb('lab-2'), readyContainers: 1 },
    ])
    for (let i = 0; i < 20; i++) {
      const response = await fetch(url)
      expect(response.status).toBe(200)
      expect(response.headers.has(UNSERVED_HEADER)).toBe(false)
      await response.text()
    }
    expect(responses.every(([vm, status]) => vm === 'lab-2' && status === 200)).toBe(true)
    expect(proxy.pool.snapshot().find((b) => b.id === 'lab-1')?.state).not.toBe('ejected')
  })

  it('applies new timeouts live and names the VM that did not answer', async () => {
    const { proxy, url } = await front()
    const hung = createTcpServer((socket) => socket.resume())
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise((resolve) => hung.close(() => resolve())))
    proxy.syncBackends([
      {
        vmId: 'lab-1',
        address: { host: '127.0.0.1', port: (hung.address() as AddressInfo).port },
        readyContainers: 1,
      },
    ])
    proxy.setLimits({
      timeouts: { ...DEFAULT_PROXY_TIMEOUTS, responseHeadMs: 200 },
      queue: DEFAULT_PROXY_QUEUE,
    })
    const response = await fetch(url)
    expect(response.status).toBe(504)
    expect(await response.json()).toEqual({
      error: { code: 'timeout', message: 'lab-1 did not answer within 0.2 s' },
    })
  })
})
