// The front proxy's health checks of the VMs' agents, against real loopback servers standing in for
// agents' load balancers (each answers /_agent/healthz as told and names itself on every other path).
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { HealthSettings } from '../../shared/balancer'
import { until } from '../../shared/testing/poll'
import { FrontProxy } from './front-proxy'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function agentLb(vmName: string) {
  let health: 'ok' | 'hang' | 'no-container' = 'ok'
  const held: ServerResponse[] = []
  const server = createServer((req, res) => {
    if (req.url === '/_agent/healthz') {
      if (health === 'hang') return void held.push(res)
      return res.writeHead(health === 'ok' ? 200 : 503).end()
    }
    res.setHeader('X-Served-By', `${vmName}/c1`)
    res.end(vmName)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return {
    address: { host: '127.0.0.1', port: (server.address() as AddressInfo).port },
    set: (next: typeof health) => {
      health = next
    },
  }
}

const settings = HealthSettings.parse({ intervalMs: 200, timeoutMs: 100 })

describe('FrontProxy health checks', () => {
  it('sends no new request to a VM whose agent stops answering /_agent/healthz, says why, and takes it back', async () => {
    const changes: string[] = []
    const proxy = new FrontProxy({
      host: '127.0.0.1',
      port: 0,
      health: settings,
      onHealthChange: (vm, health) =>
        changes.push(
          health === null ? `${vm} unchecked` : `${vm} ${health.healthy ? 'healthy' : health.reason}`,
        ),
    })
    const port = await proxy.start()
    cleanups.push(() => proxy.close())
    const [one, two] = [await agentLb('lab-1'), await agentLb('lab-2')]
    proxy.syncBackends([
      { vmId: 'lab-1', address: one.address, readyContainers: 1 },
      { vmId: 'lab-2', address: two.address, readyContainers: 1 },
    ])
    const servedBy = async (count: number) => {
      const names = new Set<string>()
      for (let i = 0; i < count; i++) names.add(await (await fetch(`http://127.0.0.1:${port}/`)).text())
      return names
    }
    expect(await servedBy(20)).toEqual(new Set(['lab-1', 'lab-2']))

    one.set('hang')
    const hungAt = Date.now()
    await until('lab-1 unhealthy', () => changes.length === 1)
    expect(changes).toEqual(['lab-1 GET /_agent/healthz timed out after 100 ms'])
    expect(Date.now() - hungAt).toBeLessThanOrEqual(3 * settings.intervalMs + 300)
    expect(await servedBy(20)).toEqual(new Set(['lab-2']))
    expect(proxy.pool.snapshot().find((b) => b.id === 'lab-1')).toMatchObject({ state: 'unhealthy' })

    one.set('ok')
    await until('lab-1 healthy', () => changes.length === 2)
    expect(changes[1]).toBe('lab-1 healthy')
    await until('lab-1 serves again', () => proxy.pool.snapshot()[0]?.state !== 'unhealthy')
  })

  it('refuses every request with a 503 once the only VM is unhealthy (no VM with a ready container)', async () => {
    const changes: string[] = []
    const proxy = new FrontProxy({
      host: '127.0.0.1',
      port: 0,
      health: settings,
      onHealthChange: (vm, health) => changes.push(`${vm} ${health?.reason ?? 'ok'}`),
    })
    const port = await proxy.start()
    cleanups.push(() => proxy.close())
    const one = await agentLb('lab-1')
    proxy.syncBackends([{ vmId: 'lab-1', address: one.address, readyContainers: 1 }])
    one.set('no-container')
    await until('lab-1 unhealthy', () => changes.length === 1)
    expect(changes).toEqual(['lab-1 GET /_agent/healthz answered 503'])
    const response = await fetch(`http://127.0.0.1:${port}/`)
    expect(response.status).toBe(503)
  })

  it('stops checking a VM that left rotation and says it is no longer checked', async () => {
    const changes: string[] = []
    const proxy = new FrontProxy({
      host: '127.0.0.1',
      port: 0,
      health: settings,
      onHealthChange: (vm, health) =>
        changes.push(health === null ? `${vm} unchecked` : `${vm} ${health.healthy}`),
    })
    await proxy.start()
    cleanups.push(() => proxy.close())
    const one = await agentLb('lab-1')
    proxy.syncBackends([{ vmId: 'lab-1', address: one.address, readyContainers: 1 }])
    one.set('no-container')
    await until('lab-1 unhealthy', () => changes.length === 1)
    proxy.syncBackends([{ vmId: 'lab-1', address: one.address, readyContainers: 0 }])
    expect(changes).toEqual(['lab-1 false', 'lab-1 unchecked'])
  })
})
