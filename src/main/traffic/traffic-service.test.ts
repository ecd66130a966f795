// The VIM's traffic service against a real loopback server standing in for the front proxy.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '../../shared/api/contract'
import { TrafficStatus } from '../../shared/domain/traffic'
import { TrafficService } from './traffic-service'

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function frontProxy(): Promise<string> {
  const http = createServer((_req, res) => res.end('ok'))
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  cleanups.push(async () => {
    http.closeAllConnections()
    await new Promise((resolve) => http.close(resolve))
  })
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`
}

function service(proxyUrl: string | null) {
  const events: string[] = []
  const traffic = new TrafficService({
    proxyUrl: () => proxyUrl,
    onRunEvent: (message) => events.push(message),
    engine: { snapshotIntervalMs: 50 },
  })
  cleanups.push(() => traffic.close())
  return { traffic, events }
}

const apiError = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ApiError)
  return error as ApiError
}

describe('TrafficService', () => {
  it('runs one plan at a time against the front proxy, streams snapshots, and stops', async () => {
    const proxyUrl = await frontProxy()
    const { traffic, events } = service(proxyUrl)
    const seen = vi.fn()
    traffic.subscribe(seen)
    expect(traffic.status()).toEqual({ running: false, snapshot: null })

    const started = await traffic.start({
      pattern: { kind: 'steady', rate: 50 },
      durationSeconds: 10,
      mode: 'open',
      concurrency: 1,
      maxRequests: 1000,
      maxInFlight: 16,
      timeoutSeconds: 5,
    })
    expect(started).toMatchObject({ running: true, snapshot: { state: 'running', target: `${proxyUrl}/` } })
    const again = await apiError(traffic.start({ pattern: { kind: 'steady', rate: 5 }, durationSeconds: 1 }))
    expect(again.code).toBe('conflict')

    await vi.waitFor(() => expect(seen.mock.calls.length).toBeGreaterThanOrEqual(3))
    const stopped = await traffic.stop()
    expect(stopped).toMatchObject({ running: false, snapshot: { state: 'finished', endReason: 'stopped' } })
    expect(traffic.status().snapshot).toBe(stopped.snapshot)
    // What the control API sends matches its schema exactly, while running and at the end.
    expect(TrafficStatus.parse(started)).toEqual(started)
    expect(TrafficStatus.parse(stopped)).toEqual(stopped)
    for (const [snapshot] of seen.mock.calls)
      expect(TrafficStatus.parse({ running: true, snapshot }).snapshot).toEqual(snapshot)
    expect(seen.mock.lastCall?.[0]).toMatchObject({ state: 'finished' })
    await vi.waitFor(() => expect(events).toHaveLength(2))
    expect(events[0]).toBe(`Traffic started: steady open loop for 10 s against ${proxyUrl}/`)
    expect(events[1]).toMatch(/^Traffic finished \(stopped\): \d+ requests in/)

    // Another run may start once the first has ended.
    const next = await traffic.start({ pattern: { kind: 'steady', rate: 5 }, durationSeconds: 0.2 })
    expect(next.running).toBe(true)
  })

  it('turns a refused target or a bad trace into invalid_input, and a missing proxy into unavailable', async () => {
    const { traffic } = service(null)
    const noProxy = await apiError(
      traffic.start({ pattern: { kind: 'steady', rate: 5 }, durationSeconds: 1 }),
    )
    expect(noProxy.code).toBe('unavailable')
    const refused = await apiError(
      traffic.start({ url: 'http://10.1.2.3/', pattern: { kind: 'steady', rate: 5 }, durationSeconds: 1 }),
    )
    expect(refused).toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('is not loopback'),
    })
    const badTrace = await apiError(
      traffic.start({ url: 'http://127.0.0.1:9', pattern: { kind: 'trace', csv: 'x,y\n1,2,3' } }),
    )
    expect(badTrace).toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('trace line 2'),
    })
    expect(traffic.status().running).toBe(false)
  })

  it("allows the front proxy's own URL even when it is not loopback", async () => {
    const { traffic } = service('http://10.1.2.3:18080')
    // Allowed, so the run starts (and fails to connect, fast, in this sandbox or not at all): no refusal.
    // 0.1 s at 1 req/s schedules no request at all, so nothing leaves this machine.
    const status = await traffic.start({ pattern: { kind: 'steady', rate: 1 }, durationSeconds: 0.1 })
    expect(status).toMatchObject({ running: true, snapshot: { target: 'http://10.1.2.3:18080/' } })
    expect((await traffic.stop()).snapshot).toMatchObject({ sent: 0 })
  })
})
