import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { freeLoopbackPort } from '../../vmm-agent/runtime/free-port'
import { OpenLoopLoad } from './open-loop'

let server: Server | undefined
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined))
  server = undefined
})

/** A server that answers `handle`'s status, naming itself like the workload does. */
async function serve(handle: (n: number) => { status: number; delayMs?: number }): Promise<string> {
  let n = 0
  server = createServer((_req, res) => {
    const { status, delayMs = 0 } = handle(n++)
    setTimeout(() => {
      res.writeHead(status, {
        'X-Served-By': 'vm-1/c-1',
        'Content-Type': 'application/json',
        ...(status === 503 && { 'Retry-After': '1' }),
      })
      res.end(status === 200 ? '{"ok":true}' : '{"error":"no container is ready"}')
    }, delayMs)
  })
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
}

describe('OpenLoopLoad', () => {
  it('sends on schedule, bounded by count, and logs each outcome with who served it', async () => {
    const url = await serve((n) => ({ status: n % 5 === 4 ? 503 : 200 }))
    const load = new OpenLoopLoad({ url, rate: 100, maxSeconds: 5, maxRequests: 30 })
    const log = await load.done
    expect(log).toHaveLength(30)
    const due = log.map((r) => r.intendedAt).sort((a, b) => a - b)
    // 100 req/s: one every 10 ms, whatever the answers.
    expect(due.at(-1)! - due[0]!).toBeCloseTo(290, -1)
    expect(log.filter((r) => r.status === 503)).toHaveLength(6)
    expect(log.find((r) => r.status === 503)).toMatchObject({
      servedBy: 'vm-1/c-1',
      detail: '{"error":"no container is ready"}',
      retryAfter: '1',
      error: null,
    })
    expect(log.find((r) => r.status === 200)?.detail).toBeNull()
  })

  it('measures latency from the intended send time, so a stall shows in every request behind it', async () => {
    // One connection: the requests due during the 300 ms stall wait for it, and their latency says so.
    const url = await serve((n) => ({ status: 200, delayMs: n === 0 ? 300 : 0 }))
    const load = new OpenLoopLoad({ url, rate: 50, maxSeconds: 1, maxRequests: 10, maxInFlight: 1 })
    const log = (await load.done).sort((a, b) => a.intendedAt - b.intendedAt)
    expect(log[0]!.latencyMs).toBeGreaterThanOrEqual(290)
    // Due 20 ms later, sent only when the first one ended.
    expect(log[1]!.latencyMs).toBeGreaterThanOrEqual(270)
  })

  it('logs a refused connection and a timeout by their codes, and is quiet only once requests succeed', async () => {
    const refused = new OpenLoopLoad({
      url: `http://127.0.0.1:${await freeLoopbackPort()}/`,
      rate: 50,
      maxSeconds: 1,
      maxRequests: 3,
    })
    expect((await refused.done).map((r) => r.error)).toEqual(['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED'])

    const url = await serve(() => ({ status: 200, delayMs: 2000 }))
    const slow = new OpenLoopLoad({ url, rate: 20, maxSeconds: 1, maxRequests: 1, timeoutMs: 200 })
    await new Promise((resolve) => setTimeout(resolve, 120))
    // A request still hanging is not a success yet.
    expect(slow.quietFor(50)).toBe(false)
    const [timedOut] = await slow.done
    expect(timedOut).toMatchObject({ status: null, error: 'UND_ERR_HEADERS_TIMEOUT' })
    expect(timedOut!.latencyMs).toBeGreaterThanOrEqual(200)
    expect(slow.quietFor(10_000)).toBe(false)
  })

  it('stops sending at once on stop() and waits for the requests in flight', async () => {
    const url = await serve(() => ({ status: 200, delayMs: 100 }))
    const load = new OpenLoopLoad({ url, rate: 50, maxSeconds: 60 })
    await new Promise((resolve) => setTimeout(resolve, 300))
    const log = await load.stop()
    expect(log.length).toBeGreaterThanOrEqual(10)
    expect(log.length).toBeLessThanOrEqual(20)
    expect(log.every((r) => r.status === 200)).toBe(true)
  })
})
