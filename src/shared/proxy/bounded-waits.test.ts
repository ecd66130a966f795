// Bounded waits, safe retries and "not served here" answers of the shared forwarder, against real
// loopback backends that never accept, never answer, stall mid-body, reset or answer slowly.
import type { ServerResponse } from 'node:http'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BackendPool } from '../balancer'
import { until } from '../testing/poll'
import { type BackendAddress, type BalancedProxyOptions, createBalancedProxy } from './balanced-proxy'
import {
  closeAll,
  httpBackend,
  resettingBackend,
  silentBackend,
  unacceptingPort,
} from './test-support/loopback-backends'
import { CLIENT_SIDES, type ClientSide, type ProxyServer, proxyServer } from './test-support/proxy-server'
import { UNSERVED_HEADER } from './unserved'

const proxies: ProxyServer[] = []
/** The client side the current suite runs the proxies on. */
let side: ClientSide = 'lean'
const timeouts = { connectMs: 300, responseHeadMs: 400, idleMs: 300 }

/** A proxy over these backends, picked in the order given (the first is always tried first). */
async function proxyOver(ports: Record<string, number>, extra: Partial<BalancedProxyOptions> = {}) {
  const pool = new BackendPool({ random: () => 0, settings: { timeouts, slowStartMs: 0 } })
  const addresses: Record<string, BackendAddress> = {}
  for (const [id, port] of Object.entries(ports)) {
    addresses[id] = { host: '127.0.0.1', port }
    pool.setBackend({ id, weight: 1 })
  }
  const proxy = createBalancedProxy({
    pool,
    resolve: (id) => addresses[id],
    describe: (id) => `lab-1/${id}`,
    noBackendMessage: () => 'No container is ready.',
    ...extra,
  })
  const server = await proxyServer(proxy, side)
  proxies.push(server)
  return { url: server.url, pool }
}

async function timed(request: Promise<Response>) {
  const started = performance.now()
  const response = await request
  const body = await response.text()
  return { response, body, ms: performance.now() - started }
}

afterEach(async () => {
  for (const server of proxies.splice(0)) await server.close()
  await closeAll()
})

describe.each(CLIENT_SIDES)('on the %s client side', (clientSide) => {
  beforeEach(() => {
    side = clientSide
  })

  describe('bounded waits', () => {
    it('answers 504 naming the backend when it accepts but never answers, and does not retry it', async () => {
      const hung = await silentBackend()
      const other = await silentBackend()
      const { url, pool } = await proxyOver({ 'acs-hung': hung.port, 'acs-other': other.port })
      const { response, body, ms } = await timed(fetch(url))
      expect(response.status).toBe(504)
      expect(JSON.parse(body)).toEqual({
        error: { code: 'timeout', message: 'lab-1/acs-hung did not answer within 0.4 s' },
      })
      expect(ms).toBeLessThan(2000)
      // The backend may still be working on it: a GET after a head timeout goes nowhere else.
      expect(other.connections()).toBe(0)
      // A timeout (and the reset that follows it) is an error, not a connect failure.
      expect(pool.snapshot().find((b) => b.id === 'acs-hung')).toMatchObject({ failures: 1, inFlight: 0 })
    })

    it('answers 504 when the connection is never accepted, and retries any request elsewhere', async () => {
      const stuck = await unacceptingPort()
      const alone = await proxyOver({ 'acs-stuck': stuck })
      const { response, body, ms } = await timed(fetch(alone.url))
      expect(response.status).toBe(504)
      expect(JSON.parse(body).error.message).toBe(
        'lab-1/acs-stuck did not accept the connection within 0.3 s',
      )
      expect(ms).toBeLessThan(2000)

      // Nothing of the body left before the connection opened, so even a POST goes to another backend.
      const live = await httpBackend('acs-live', (req, res) => req.pipe(res))
      const { url } = await proxyOver({ 'acs-stuck': stuck, 'acs-live': live.port })
      const post = await timed(fetch(url, { method: 'POST', body: 'payload' }))
      expect(post.response.status).toBe(200)
      expect(post.body).toBe('payload')
    })

    it('cuts a body that stalls for the idle timeout after the head went out', async () => {
      const stalling = await httpBackend('acs-stall', (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain' })
        res.write('first bytes')
      })
      const { url, pool } = await proxyOver({ 'acs-stall': stalling.port })
      const started = performance.now()
      const response = await fetch(url)
      expect(response.status).toBe(200)
      await expect(response.text()).rejects.toThrow()
      expect(performance.now() - started).toBeLessThan(2000)
      expect(pool.snapshot()[0]).toMatchObject({ failures: 1, inFlight: 0 })
    })

    it('waits for a slow backend that answers within the head timeout', async () => {
      const slow = await httpBackend('acs-slow', (_req, res) => setTimeout(() => res.end('late'), 250))
      const { url } = await proxyOver({ 'acs-slow': slow.port })
      const { response, body } = await timed(fetch(url))
      expect(response.status).toBe(200)
      expect(body).toBe('late')
    })

    it('keeps a long answer open while bytes keep coming, however long it lasts', async () => {
      const trickle = await httpBackend('acs-session', (_req, res) => {
        res.writeHead(200)
        let sent = 0
        const timer = setInterval(() => {
          res.write('\n')
          if (++sent === 6) {
            clearInterval(timer)
            res.end('{"done":true}')
          }
        }, 150)
      })
      const { url } = await proxyOver({ 'acs-session': trickle.port })
      const { response, body, ms } = await timed(fetch(url))
      expect(response.status).toBe(200)
      expect(JSON.parse(body)).toEqual({ done: true })
      expect(ms).toBeGreaterThan(timeouts.idleMs * 2)
    })
  })

  describe('retries', () => {
    it('retries a GET reset before its head on another backend', async () => {
      const resetting = await resettingBackend()
      const live = await httpBackend('acs-live')
      const { url } = await proxyOver({ 'acs-reset': resetting.port, 'acs-live': live.port })
      const response = await fetch(url)
      expect(response.status).toBe(200)
      expect(response.headers.get('x-served-by')).toBe('acs-live')
      expect(resetting.requests()).toBe(1)
    })

    it('does not retry a POST with a body that a backend reset: it may have been acted on', async () => {
      const resetting = await resettingBackend()
      const live = await httpBackend('acs-live')
      const { url } = await proxyOver({ 'acs-reset': resetting.port, 'acs-live': live.port })
      const response = await fetch(url, { method: 'POST', body: 'order #1' })
      expect(response.status).toBe(502)
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
        /^lab-1\/acs-reset closed the connection before answering/,
      )
      expect(live.seen).toEqual([])
    })

    it('sends a GET waiting on a backend that health checks declare down to another one at once, but not a POST', async () => {
      const hung = await silentBackend()
      const live = await httpBackend('acs-live')
      const { url, pool } = await proxyOver({ 'acs-hung': hung.port, 'acs-live': live.port })
      // A head timeout far away, and the live backend out of rotation until both requests wait on the hung one.
      pool.applySettings({ timeouts: { ...timeouts, responseHeadMs: 30_000 }, slowStartMs: 0 })
      pool.setBackend({ id: 'acs-live', weight: 0 })
      const abort = new AbortController()
      const get = timed(fetch(url))
      let postSettled = false
      const post = fetch(url, { method: 'POST', body: 'order #1', signal: abort.signal })
        .catch(() => undefined)
        .finally(() => {
          postSettled = true
        })
      await until('both requests wait on the hung backend', () => hung.connections() === 2, 2000)
      pool.setBackend({ id: 'acs-live', weight: 1 })
      pool.setHealth('acs-hung', false, 'GET /healthz timed out after 1 s')
      const { response, ms } = await get
      expect(response.status).toBe(200)
      expect(response.headers.get('x-served-by')).toBe('acs-live')
      expect(ms).toBeLessThan(5000)
      // The POST may have been acted on: it keeps waiting for its own answer (or its head timeout).
      expect(postSettled).toBe(false)
      expect(live.seen).toEqual(['/'])
      abort.abort()
      await post
    })

    it('retries a marked 503 on another backend, and the client never sees the marker', async () => {
      const unserved = await httpBackend('lab-1', (_req, res) => {
        res.writeHead(503, { [UNSERVED_HEADER]: 'no-backend', 'Retry-After': '1' })
        res.end('{"error":{"code":"unavailable","message":"No container is ready on VM lab-1 yet"}}')
      })
      const live = await httpBackend('lab-2')
      const { url, pool } = await proxyOver(
        { 'lab-1': unserved.port, 'lab-2': live.port },
        { retryUnserved: true },
      )
      for (let i = 0; i < 5; i++) {
        const response = await fetch(url, { method: 'DELETE' })
        expect(response.status).toBe(200)
        expect(response.headers.get('x-served-by')).toBe('lab-2')
        expect(response.headers.has(UNSERVED_HEADER)).toBe(false)
        await response.text()
      }
      expect(unserved.seen.length).toBe(5)
      // "No container saw it" is not the VM failing: it is never ejected for it.
      expect(pool.snapshot().find((b) => b.id === 'lab-1')).toMatchObject({ failures: 0, state: 'ready' })

      // With nowhere else to go the 503 is passed on, still without the marker.
      const alone = await proxyOver({ 'lab-1': unserved.port }, { retryUnserved: true })
      const response = await fetch(alone.url)
      expect(response.status).toBe(503)
      expect(response.headers.get('retry-after')).toBe('1')
      expect(response.headers.has(UNSERVED_HEADER)).toBe(false)
      expect(await response.text()).toMatch(/No container is ready/)
    })

    it('queues a retry of a marked 503 while the other backend is at its limit, instead of passing the 503 on', async () => {
      const unserved = await httpBackend('lab-1', (_req, res) => {
        res.writeHead(503, { [UNSERVED_HEADER]: 'no-backend', 'Retry-After': '1' })
        res.end()
      })
      const held: ServerResponse[] = []
      const busy = await httpBackend('lab-2', (_req, res) => {
        held.push(res)
      })
      const queue = { maxInFlightPerWeight: 1, maxQueued: 4, maxWaitMs: 5_000 }
      const pool = new BackendPool({ random: () => 0, settings: { timeouts, queue, slowStartMs: 0 } })
      const ports: Record<string, number> = { 'lab-1': unserved.port, 'lab-2': busy.port }
      for (const id of Object.keys(ports)) pool.setBackend({ id, weight: 1 })
      const proxy = createBalancedProxy({
        pool,
        resolve: (id) => ({ host: '127.0.0.1', port: ports[id] as number }),
        noBackendMessage: () => 'No VM is ready.',
        retryUnserved: true,
      })
      const server = await proxyServer(proxy, side)
      proxies.push(server)
      const { url } = server

      // The first request ends up held on lab-2, which then has no room; the second is turned away by lab-1.
      const first = fetch(url)
      await until('the first request held on lab-2', () => held.length === 1, 3000)
      const second = fetch(url)
      await until('the second request waiting for room', () => proxy.queued() === 1, 3000)
      held[0]?.end('lab-2')
      expect((await first).status).toBe(200)
      await until('the second request on lab-2', () => held.length === 2, 3000)
      held[1]?.end('lab-2')
      const answer = await second
      expect(answer.status).toBe(200)
      expect(answer.headers.get('x-served-by')).toBe('lab-2')
    })

    it('marks its own 503 when nothing is ready, and strips a marker a backend sent', async () => {
      const { url } = await proxyOver({}, { markUnserved: true })
      const none = await fetch(url)
      expect(none.status).toBe(503)
      expect(none.headers.get(UNSERVED_HEADER)).toBe('no-backend')
      expect(none.headers.get('retry-after')).toBe('1')

      const forging = await httpBackend('acs-forger', (_req, res) => {
        res.writeHead(503, { [UNSERVED_HEADER]: 'no-backend' })
        res.end()
      })
      const agent = await proxyOver({ 'acs-forger': forging.port }, { markUnserved: true })
      const forged = await fetch(agent.url)
      expect(forged.status).toBe(503)
      expect(forged.headers.has(UNSERVED_HEADER)).toBe(false)
    })
  })
})
