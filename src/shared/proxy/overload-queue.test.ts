// The in-flight limit and the bounded FIFO queue of the shared forwarder, with real sockets on loopback:
// fast 503s once the queue is full, arrival order, and exact slot bookkeeping when clients leave.
import type { ServerResponse } from 'node:http'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BackendPool } from '../balancer'
import { until } from '../testing/poll'
import { type BackendAddress, type BalancedProxy, createBalancedProxy } from './balanced-proxy'
import { closeAll, httpBackend, rawRequest } from './test-support/loopback-backends'
import { CLIENT_SIDES, type ClientSide, type ProxyServer, proxyServer } from './test-support/proxy-server'
import { UNSERVED_HEADER } from './unserved'

const proxies: ProxyServer[] = []
/** The client side the current suite runs the proxies on. */
let side: ClientSide = 'lean'

/** A backend that holds every request until the test lets it go, in arrival order. */
async function heldBackend(name: string) {
  const held: ServerResponse[] = []
  const backend = await httpBackend(name, (_req, res) => held.push(res))
  return {
    ...backend,
    held,
    releaseOne: () => held.shift()?.end(`${name} done`),
  }
}

async function proxyOver(
  backends: Record<string, { port: number; weight?: number }>,
  queue: { maxInFlightPerWeight: number; maxQueued: number; maxWaitMs?: number },
) {
  const pool = new BackendPool({ random: () => 0, settings: { slowStartMs: 0, queue } })
  const addresses: Record<string, BackendAddress> = {}
  for (const [id, { port, weight = 1 }] of Object.entries(backends)) {
    addresses[id] = { host: '127.0.0.1', port }
    pool.setBackend({ id, weight })
  }
  const proxy: BalancedProxy = createBalancedProxy({
    pool,
    resolve: (id) => addresses[id],
    noBackendMessage: () => 'No container is ready.',
    markUnserved: true,
  })
  const server = await proxyServer(proxy, side)
  proxies.push(server)
  const inFlight = () => pool.snapshot().reduce((sum, b) => sum + b.inFlight, 0)
  return { url: server.url, port: server.port, pool, proxy, inFlight }
}

afterEach(async () => {
  for (const server of proxies.splice(0)) await server.close()
  await closeAll()
})

describe.each(CLIENT_SIDES)('overload queue (%s client side)', (clientSide) => {
  beforeEach(() => {
    side = clientSide
  })

  it('turns the request beyond limit + queue away within 100 ms, and serves the queue in arrival order', async () => {
    const backend = await heldBackend('acs-1')
    const { url, proxy } = await proxyOver({ 'acs-1': backend }, { maxInFlightPerWeight: 1, maxQueued: 2 })
    const answers: Promise<string>[] = []
    answers.push(fetch(`${url}/1`).then((r) => r.text()))
    await until('the first request reaching the backend', () => backend.held.length === 1, 3000)
    answers.push(fetch(`${url}/2`).then((r) => r.text()))
    await until('the second request queued', () => proxy.queued() === 1, 3000)
    answers.push(fetch(`${url}/3`).then((r) => r.text()))
    await until('the third request queued', () => proxy.queued() === 2, 3000)

    const started = performance.now()
    const fourth = await fetch(`${url}/4`)
    expect(performance.now() - started).toBeLessThan(100)
    expect(fourth.status).toBe(503)
    expect(fourth.headers.get('retry-after')).toBe('1')
    expect(fourth.headers.get(UNSERVED_HEADER)).toBe('queue-full')
    expect(((await fourth.json()) as { error: { code: string } }).error.code).toBe('unavailable')

    for (let served = 1; served <= 3; served++) {
      await until(`request ${served} at the backend`, () => backend.held.length === 1, 3000)
      backend.releaseOne()
    }
    expect(await Promise.all(answers)).toEqual(['acs-1 done', 'acs-1 done', 'acs-1 done'])
    expect(backend.seen).toEqual(['/1', '/2', '/3'])
  })

  it('frees the place of a client that hangs up while queued, and the slot of one that leaves mid-response', async () => {
    const backend = await heldBackend('acs-1')
    const { url, port, proxy, inFlight } = await proxyOver(
      { 'acs-1': backend },
      { maxInFlightPerWeight: 1, maxQueued: 1 },
    )
    const first = fetch(`${url}/first`).then((r) => r.text())
    await until('a request held at the backend', () => backend.held.length === 1, 3000)
    const leaving = rawRequest(port, '/leaving')
    await until('the leaving request queued', () => proxy.queued() === 1, 3000)
    leaving.destroy()
    await until('the queued place freed', () => proxy.queued() === 0, 3000)

    // The freed place takes the next request instead of a 503, and the gone one never reaches the backend.
    const next = fetch(`${url}/next`).then((r) => r.text())
    await until('the next request queued', () => proxy.queued() === 1, 3000)
    backend.releaseOne()
    await until('a request held at the backend', () => backend.held.length === 1, 3000)
    backend.releaseOne()
    expect(await Promise.all([first, next])).toEqual(['acs-1 done', 'acs-1 done'])
    expect(backend.seen).toEqual(['/first', '/next'])
    await until('no request in flight', () => inFlight() === 0, 3000)

    // A client that leaves mid-response gives its slot back too.
    const midway = rawRequest(port, '/midway')
    await until('a request held at the backend', () => backend.held.length === 1, 3000)
    backend.held[0]?.write('partial')
    await new Promise((resolve) => midway.once('data', resolve))
    midway.destroy()
    await until('the slot of the client that left', () => inFlight() === 0, 3000)
    backend.held.splice(0)
    // The backend gets the next request (the slot was free), not a 503 from the proxy.
    void fetch(`${url}/after`).catch(() => {})
    await until('the next request reaching the backend', () => backend.seen.at(-1) === '/after', 3000)
  })

  it('answers 503 to a request that waited longer than the longest wait', async () => {
    const backend = await heldBackend('acs-1')
    const { url } = await proxyOver(
      { 'acs-1': backend },
      { maxInFlightPerWeight: 1, maxQueued: 4, maxWaitMs: 200 },
    )
    void fetch(`${url}/busy`).catch(() => {})
    await until('a request held at the backend', () => backend.held.length === 1, 3000)
    const started = performance.now()
    const waited = await fetch(`${url}/waits`)
    expect(waited.status).toBe(503)
    expect(waited.headers.get(UNSERVED_HEADER)).toBe('queue-wait')
    expect(performance.now() - started).toBeGreaterThanOrEqual(190)
    expect(performance.now() - started).toBeLessThan(1500)
  })

  it('gives a draining backend nothing from the queue, and scales the limit with the weight', async () => {
    const busy = await heldBackend('acs-busy')
    const draining = await heldBackend('acs-draining')
    const { url, proxy } = await proxyOver(
      { 'acs-busy': { port: busy.port, weight: 2 }, 'acs-draining': { port: draining.port, weight: 0 } },
      { maxInFlightPerWeight: 1, maxQueued: 2 },
    )
    const answers = [fetch(`${url}/1`), fetch(`${url}/2`)].map((p) => p.then((r) => r.text()))
    await until('two requests on the weight-2 backend', () => busy.held.length === 2, 3000)
    answers.push(fetch(`${url}/3`).then((r) => r.text()))
    await until('a request queued', () => proxy.queued() === 1, 3000)
    proxy.wake()
    expect(draining.seen).toEqual([])
    busy.releaseOne()
    await until('the queued request on the freed slot', () => busy.held.length === 2, 3000)
    busy.releaseOne()
    busy.releaseOne()
    expect(await Promise.all(answers)).toEqual(['acs-busy done', 'acs-busy done', 'acs-busy done'])
    expect(draining.seen).toEqual([])
  })
})
