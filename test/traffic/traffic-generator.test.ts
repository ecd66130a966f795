// The traffic engine against real loopback servers: rate accuracy, queueing that an open loop shows and a
// closed loop hides, stop, the bounds, and targets refused before any request. Loads stay small (2 cores).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startTraffic, TrafficPlanError, type TrafficRun } from '../../src/main/traffic/traffic-generator'
import type { TrafficSnapshot } from '../../src/shared/domain/traffic'
import { startWorkloadServer } from '../../vmm-agent/workload/server'

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

interface TestServer {
  url: string
  /** Wall-clock arrival time of every request, in order. */
  arrivals: number[]
}

async function server(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const arrivals: number[] = []
  const http = createServer((req, res) => {
    arrivals.push(performance.now())
    handle(req, res)
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  cleanups.push(async () => {
    http.closeAllConnections()
    await new Promise((resolve) => http.close(resolve))
  })
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, arrivals }
}

const fastServer = () => server((_req, res) => res.end('ok'))

/** Serves one request at a time, `serviceMs` each: a server with a fixed capacity and a queue. */
function serialServer(serviceMs: number) {
  let queue = Promise.resolve()
  return server((_req, res) => {
    queue = queue.then(
      () =>
        new Promise<void>((resolve) =>
          setTimeout(() => {
            res.end('ok')
            resolve()
          }, serviceMs),
        ),
    )
  })
}

/** Accepts requests and never answers them. */
const hangingServer = () => server(() => {})

async function run(
  options: Parameters<typeof startTraffic>[0],
): Promise<{ run: TrafficRun; snapshots: TrafficSnapshot[] }> {
  const snapshots: TrafficSnapshot[] = []
  const started = await startTraffic({ ...options, onSnapshot: (s) => snapshots.push(s) })
  cleanups.push(() => started.stop())
  return { run: started, snapshots }
}

describe('open loop', () => {
  it('holds the requested rate within 5 % (200 req/s for 3 s)', async () => {
    const target = await fastServer()
    const { run: traffic, snapshots } = await run({
      plan: { url: target.url, pattern: { kind: 'steady', rate: 200 }, durationSeconds: 3 },
    })
    const summary = await traffic.done

    expect(summary).toMatchObject({
      state: 'finished',
      endReason: 'duration',
      sent: 600,
      unsent: 0,
      aborted: 0,
    })
    expect(summary.total.completed).toBe(600)
    expect(summary.statusCodes).toEqual({ 200: 600 })
    expect(target.arrivals).toHaveLength(600)
    // Measured at the server: 599 gaps of 5 ms between the first and the last arrival.
    const spanSeconds = ((target.arrivals.at(-1) as number) - (target.arrivals[0] as number)) / 1000
    const serverRate = (target.arrivals.length - 1) / spanSeconds
    // And as the generator saw it, second by second (full seconds only).
    const perSecond = snapshots.filter((s) => s.state === 'running').map((s) => s.interval.sentRate)
    console.info(
      `rate accuracy: server saw ${serverRate.toFixed(1)} req/s over ${spanSeconds.toFixed(3)} s; ` +
        `generator per second ${perSecond.map((r) => r.toFixed(1)).join(', ')}; total ${summary.total.sentRate.toFixed(1)}/s; ` +
        `p50 ${summary.total.latencyMs.p50} ms, p99 ${summary.total.latencyMs.p99} ms; send lag p99 ${summary.sendLagMs.p99} ms`,
    )
    expect(Math.abs(serverRate - 200) / 200).toBeLessThan(0.05)
    expect(Math.abs(summary.total.sentRate - 200) / 200).toBeLessThan(0.05)
    expect(perSecond.length).toBeGreaterThanOrEqual(2)
    for (const rate of perSecond) expect(Math.abs(rate - 200) / 200).toBeLessThan(0.05)
    expect(summary.elapsedSeconds).toBeGreaterThanOrEqual(3)
    expect(summary.elapsedSeconds).toBeLessThan(3.5)
  })

  it('shows the queue of an overloaded server in the latency, where a closed loop hides it', async () => {
    // Capacity 20 req/s (50 ms each, one at a time), asked for 40 req/s: the queue grows by 20 requests a
    // second, so request k waits about 25·k ms more than the one before it.
    const slow = await serialServer(50)
    const open = await run({
      plan: { url: slow.url, pattern: { kind: 'steady', rate: 40 }, durationSeconds: 2 },
    })
    const openSummary = await open.run.done
    const closed = await run({ plan: { url: slow.url, mode: 'closed', concurrency: 1, durationSeconds: 2 } })
    const closedSummary = await closed.run.done

    const intervals = open.snapshots.map((s) => s.interval).filter((i) => i.completed > 0)
    console.info(
      `queueing: open loop p50 ${openSummary.total.latencyMs.p50} ms, p99 ${openSummary.total.latencyMs.p99} ms, ` +
        `per-second p99 ${intervals.map((i) => i.latencyMs.p99).join(' → ')} ms; ` +
        `closed loop (1 user) p50 ${closedSummary.total.latencyMs.p50} ms, p99 ${closedSummary.total.latencyMs.p99} ms, ` +
        `${closedSummary.total.completed} requests`,
    )
    expect(openSummary.total.completed).toBe(80)
    // The last request was intended at ~2 s and answered at ~4 s.
    expect(openSummary.total.latencyMs.p99).toBeGreaterThan(1500)
    expect(openSummary.total.latencyMs.p50).toBeGreaterThan(500)
    // The wait grows over the run: every interval's p99 above the previous one.
    expect(intervals.length).toBeGreaterThanOrEqual(3)
    for (let i = 1; i < intervals.length; i++) {
      expect(intervals[i]?.latencyMs.p99).toBeGreaterThan(intervals[i - 1]?.latencyMs.p99 as number)
    }
    // The same server in a closed loop: each request waits only for its own 50 ms (p99 of ~40 samples is
    // their maximum, so a busy machine's hiccup shows there; the median stays put).
    expect(closedSummary.total.latencyMs.p50).toBeLessThan(100)
    expect(closedSummary.total.latencyMs.p99).toBeLessThan(openSummary.total.latencyMs.p99 / 4)
    expect(closedSummary.total.completed).toBeGreaterThan(25)
    expect(closedSummary.total.completed).toBeLessThanOrEqual(41)
  })

  it('never has more than maxInFlight requests out, and counts what it could not send', async () => {
    const target = await hangingServer()
    const { run: traffic, snapshots } = await run({
      plan: {
        url: target.url,
        pattern: { kind: 'steady', rate: 100 },
        durationSeconds: 0.5,
        maxInFlight: 5,
        timeoutSeconds: 0.3,
      },
      snapshotIntervalMs: 20,
    })
    const summary = await traffic.done
    expect(Math.max(...snapshots.map((s) => s.inFlight))).toBe(5)
    const firstRound = target.arrivals.filter((at) => at - (target.arrivals[0] as number) < 250)
    expect(firstRound).toHaveLength(5)
    expect(summary.errors.timeout).toBe(summary.sent)
    expect(summary.sent + summary.unsent).toBe(50)
    // 5 at a time, each held for 0.3 s, in 0.5 s: at most two rounds.
    expect(summary.sent).toBeLessThanOrEqual(10)
    expect(summary.unsent).toBeGreaterThanOrEqual(40)
  })
})

describe('the workload server', () => {
  it('holds user sessions (closed loop on /session) and plain requests (open loop on /)', async () => {
    // A small allotment, so that sessions cost little CPU on a 2-core machine.
    const workload = await startWorkloadServer({
      port: 0,
      host: '127.0.0.1',
      servedBy: 'lab-1/c1',
      cpuMs: 1,
      cpus: 0.1,
    })
    cleanups.push(() => workload.close())
    const url = `http://127.0.0.1:${workload.port}`
    const sessions = await run({
      plan: { url, path: '/session?seconds=0.4', mode: 'closed', concurrency: 2, durationSeconds: 1 },
    })
    const users = await sessions.run.done
    // Each user holds a 0.4 s session, then opens the next: 3 each within 1 s (the last one ends after).
    expect(users.statusCodes).toEqual({ 200: 6 })
    expect(users.total.latencyMs.p50).toBeGreaterThanOrEqual(400)
    expect(users.total.latencyMs.p50).toBeLessThan(600)

    const plain = await run({ plan: { url, pattern: { kind: 'steady', rate: 50 }, durationSeconds: 0.5 } })
    expect((await plain.run.done).statusCodes).toEqual({ 200: 25 })
  })
})

describe('bounds and stop', () => {
  it('stops mid-run: resolves promptly, and nothing is sent afterwards', async () => {
    const target = await fastServer()
    const { run: traffic } = await run({
      plan: { url: target.url, pattern: { kind: 'steady', rate: 100 }, durationSeconds: 10 },
    })
    await new Promise((resolve) => setTimeout(resolve, 500))
    const stopAt = performance.now()
    const summary = await traffic.stop()
    expect(performance.now() - stopAt).toBeLessThan(200)
    expect(summary).toMatchObject({ state: 'finished', endReason: 'stopped', inFlight: 0 })
    expect(summary.sent).toBeGreaterThan(30)
    expect(summary.sent).toBeLessThan(70)
    const seen = target.arrivals.length
    expect(seen).toBe(summary.sent)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(target.arrivals.length).toBe(seen)
    expect(await traffic.stop()).toBe(summary)
  })

  it('aborts requests still out when the stop grace runs out', async () => {
    const target = await hangingServer()
    const { run: traffic } = await run({
      plan: { url: target.url, mode: 'closed', concurrency: 3, durationSeconds: 30 },
      stopGraceMs: 200,
    })
    await vi.waitFor(() => expect(target.arrivals).toHaveLength(3))
    const stopAt = performance.now()
    const summary = await traffic.stop()
    const took = performance.now() - stopAt
    expect(took).toBeGreaterThanOrEqual(190)
    expect(took).toBeLessThan(700)
    expect(summary).toMatchObject({ sent: 3, aborted: 3, inFlight: 0, endReason: 'stopped' })
    expect(summary.total.failed).toBe(0)
  })

  it('ends after maxRequests, open or closed', async () => {
    const target = await fastServer()
    const open = await run({
      plan: { url: target.url, pattern: { kind: 'steady', rate: 200 }, durationSeconds: 3, maxRequests: 50 },
    })
    const openSummary = await open.run.done
    expect(openSummary).toMatchObject({ sent: 50, endReason: 'max-requests', unsent: 0 })
    expect(openSummary.elapsedSeconds).toBeLessThan(1)
    expect(target.arrivals).toHaveLength(50)

    const closed = await run({
      plan: { url: target.url, mode: 'closed', concurrency: 4, durationSeconds: 3, maxRequests: 30 },
    })
    expect(await closed.run.done).toMatchObject({ sent: 30, endReason: 'max-requests' })
    expect(target.arrivals).toHaveLength(80)
  })

  it('counts connections refused by kind, without spinning', async () => {
    const gone = await fastServer()
    await cleanups.pop()?.() // closes it: the port now refuses
    const { run: traffic } = await run({
      plan: { url: gone.url, mode: 'closed', concurrency: 2, durationSeconds: 0.5 },
    })
    const summary = await traffic.done
    expect(summary.errors['connect-refused']).toBe(summary.sent)
    // Each user waits 100 ms after a request with no response: about 5 tries each, not thousands.
    expect(summary.sent).toBeLessThanOrEqual(14)
    expect(summary.total.failed).toBe(summary.sent)
  })
})

describe('targets', () => {
  it.each([
    ['http://10.1.2.3/', '10.1.2.3 is not loopback'],
    ['http://example.com/', 'example.com is not this machine'],
    ['http://[2001:db8::1]:8080/', 'is not loopback'],
  ])('refuses %s before any request', async (url, message) => {
    const lookup = vi.fn(async () => [{ address: '127.0.0.1' }])
    const snapshots: TrafficSnapshot[] = []
    const attempt = startTraffic({
      plan: { url, pattern: { kind: 'steady', rate: 10 }, durationSeconds: 1 },
      lookup,
      onSnapshot: (s) => snapshots.push(s),
    })
    await expect(attempt).rejects.toThrow(TrafficPlanError)
    await expect(attempt).rejects.toThrow(message)
    expect(lookup).not.toHaveBeenCalled()
    expect(snapshots).toEqual([])
  })

  it('loads a URL under an allowed origin, and localhost when it resolves to loopback', async () => {
    const target = await fastServer()
    const port = new URL(target.url).port
    const allowed = await run({
      plan: { url: `${target.url}/x`, pattern: { kind: 'steady', rate: 20 }, durationSeconds: 0.2 },
      allowedTargets: [target.url],
    })
    expect((await allowed.run.done).statusCodes).toEqual({ 200: 4 })
    const local = await run({
      plan: { url: `http://localhost:${port}/`, pattern: { kind: 'steady', rate: 20 }, durationSeconds: 0.2 },
      lookup: async () => [{ address: '127.0.0.1' }],
    })
    expect((await local.run.done).statusCodes).toEqual({ 200: 4 })
  })

  it('refuses a malformed trace with its line, before any request', async () => {
    await expect(
      startTraffic({
        plan: { url: 'http://127.0.0.1:9', pattern: { kind: 'trace', csv: '0,5\n1;6', source: 'peak.csv' } },
      }),
    ).rejects.toThrow("peak.csv line 2: expected 2 fields 'second,requests_per_second', found 1: '1;6'")
  })
})
