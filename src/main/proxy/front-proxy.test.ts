// The front proxy against real loopback servers standing in for agents' load balancers.
import { createServer, type Server } from 'node:http'
import { type AddressInfo, connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
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
})
