import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { HealthSettings } from '../balancer/health-settings'
import { until } from '../testing/poll'
import { HealthChecker, type HealthTarget, probeHealth } from './health-checker'

type Mode = 'ok' | 'hang' | 'fail'

/** A real HTTP backend whose health answer can be switched; `hang` accepts and never answers. */
async function backend() {
  let mode: Mode = 'ok'
  let probes = 0
  const held: ServerResponse[] = []
  const sockets = new Set<Socket>()
  const server: Server = createServer((req, res) => {
    probes += 1
    if (req.url !== '/healthz') return res.writeHead(404).end()
    if (mode === 'hang') return void held.push(res)
    res.writeHead(mode === 'ok' ? 200 : 500).end(mode)
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    target: { id: 'c1', host: '127.0.0.1', port } satisfies HealthTarget,
    set: (next: Mode) => {
      mode = next
    },
    get probes() {
      return probes
    },
    /** Sockets still open on the server: a probe that leaves one open would pile them up. */
    get openSockets() {
      return sockets.size
    },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('probeHealth against a real server', () => {
  it('passes on 200, names the status otherwise, and times out on a server that never answers', async () => {
    const server = await backend()
    cleanups.push(server.close)
    expect(await probeHealth(server.target, '/healthz', 500)).toEqual({ ok: true })
    server.set('fail')
    expect(await probeHealth(server.target, '/healthz', 500)).toEqual({
      ok: false,
      reason: 'GET /healthz answered 500',
    })
    server.set('hang')
    const started = Date.now()
    expect(await probeHealth(server.target, '/healthz', 200)).toEqual({
      ok: false,
      reason: 'GET /healthz timed out after 200 ms',
      timedOut: true,
    })
    expect(Date.now() - started).toBeLessThan(1000)
    // Each probe used its own connection and closed it: nothing is left for a hung process to hold.
    await until('probe connections closed', () => server.openSockets === 0, 2000)
  })

  it('says "connection refused" when nothing listens', async () => {
    const server = await backend()
    await server.close()
    expect(await probeHealth(server.target, '/healthz', 500)).toEqual({
      ok: false,
      reason: 'GET /healthz: connection refused',
    })
  })
})

describe('HealthChecker', () => {
  const settings = HealthSettings.parse({
    intervalMs: 200,
    timeoutMs: 100,
    unhealthyThreshold: 2,
    healthyThreshold: 2,
  })

  async function watch() {
    const server = await backend()
    const changes: { healthy: boolean; reason: string | undefined; at: number }[] = []
    const checker = new HealthChecker({
      path: '/healthz',
      settings,
      targets: () => [server.target],
      onChange: (_id, healthy, reason) => changes.push({ healthy, reason, at: Date.now() }),
    })
    checker.start()
    cleanups.push(server.close, () => checker.stop())
    return { server, checker, changes }
  }

  it('declares a backend that stops answering unhealthy within k intervals, and healthy after m passes', async () => {
    const { server, checker, changes } = await watch()
    await until('first probes', () => server.probes >= 2, 2000)
    expect(changes).toEqual([])

    server.set('hang')
    const hungAt = Date.now()
    await until('unhealthy', () => changes.length === 1, 2000)
    expect(changes[0]).toMatchObject({ healthy: false, reason: 'GET /healthz timed out after 100 ms' })
    // Two failed probes: the first may start up to one interval after the hang, the second one later.
    expect(changes[0]!.at - hungAt).toBeLessThanOrEqual(3 * settings.intervalMs + 200)
    expect(checker.health('c1')).toMatchObject({ healthy: false })

    const probesBefore = server.probes
    server.set('ok')
    const backAt = Date.now()
    await until('healthy again', () => changes.length === 2, 2000)
    expect(changes[1]).toMatchObject({ healthy: true, reason: undefined })
    expect(server.probes - probesBefore).toBeGreaterThanOrEqual(2)
    expect(changes[1]!.at - backAt).toBeLessThanOrEqual(3 * settings.intervalMs + 200)
  })

  it('keeps a backend that answers other requests while its probes time out, but not one that answers nothing', async () => {
    const server = await backend()
    let answeredAt = 0
    const changes: boolean[] = []
    const checker = new HealthChecker({
      path: '/healthz',
      settings,
      targets: () => [server.target],
      onChange: (_id, healthy) => changes.push(healthy),
      answeredSince: (_id, since) => answeredAt >= since,
    })
    checker.start()
    cleanups.push(server.close, () => checker.stop())
    server.set('hang')
    // Busy: the proxy keeps getting answers (every 20 ms) while each probe waits out its 100 ms.
    const answering = setInterval(() => {
      answeredAt = Date.now()
    }, 20)
    const probes = server.probes
    await until('four probes while busy', () => server.probes >= probes + 4, 3000)
    expect(changes).toEqual([])
    // Hung: no answers any more, so the same timed-out probes now count.
    clearInterval(answering)
    await until('unhealthy once nothing is answered', () => changes.length === 1, 2000)
    expect(checker.health('c1')).toMatchObject({
      healthy: false,
      reason: 'GET /healthz timed out after 100 ms',
    })
  })

  it('reports a 500 as the reason, and one flip per change (not one per failed probe)', async () => {
    const { server, changes } = await watch()
    server.set('fail')
    await until('unhealthy', () => changes.length === 1, 2000)
    const probes = server.probes
    await until('more probes', () => server.probes >= probes + 3, 2000)
    expect(changes).toEqual([
      expect.objectContaining({ healthy: false, reason: 'GET /healthz answered 500' }),
    ])
  })

  it('runs one probe at a time per backend, even when a probe outlasts the interval', async () => {
    const server = await backend()
    server.set('hang')
    const checker = new HealthChecker({
      path: '/healthz',
      settings: HealthSettings.parse({ intervalMs: 100, timeoutMs: 450 }),
      targets: () => [server.target],
      onChange: () => {},
    })
    checker.start()
    cleanups.push(server.close, () => checker.stop())
    await new Promise((resolve) => setTimeout(resolve, 1000))
    // Ten intervals, but each probe holds its backend for 450 ms: two or three probes, not ten.
    expect(server.probes).toBeLessThanOrEqual(3)
  })

  it('forgets a backend that left, and judges one that moved by probes at its new address', async () => {
    const server = await backend()
    let targets: HealthTarget[] = [server.target]
    const changes: boolean[] = []
    const checker = new HealthChecker({
      path: '/healthz',
      settings,
      targets: () => targets,
      onChange: (_id, healthy) => changes.push(healthy),
    })
    checker.start()
    cleanups.push(server.close, () => checker.stop())
    server.set('fail')
    await until('unhealthy', () => changes.length === 1, 2000)
    const healthy = await backend()
    cleanups.push(healthy.close)
    targets = [{ ...healthy.target, id: 'c1' }]
    await until('healthy at the new address', () => changes.length === 2, 2000)
    expect(changes).toEqual([false, true])
    expect(healthy.probes).toBeGreaterThanOrEqual(2)
    targets = []
    await until('forgotten', () => checker.health('c1') === undefined, 2000)
  })

  it('applies new settings live: switching checks off brings unhealthy backends back', async () => {
    const { server, checker, changes } = await watch()
    server.set('fail')
    await until('unhealthy', () => changes.length === 1, 2000)
    checker.applySettings({ ...settings, enabled: false })
    expect(changes.at(-1)).toMatchObject({ healthy: true })
    const probes = server.probes
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(server.probes - probes).toBeLessThanOrEqual(1)
  })
})
