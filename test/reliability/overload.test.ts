// Overload at a real agent: one 0.1-CPU container behind the agent's load balancer with an in-flight
// limit of 1 and a queue of 4. A burst far beyond that gets fast 503s with Retry-After once the queue
// is full, and every request that was admitted is served.
import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { UNSERVED_HEADER } from '../../src/shared/proxy/unserved'
import { type AgentProcess, readyCount, startAgent, waitFor } from '../support/agent-process'
import { removeContainersOf, shouldRunDocker } from '../support/docker'

const vmName = `itest-overload-${randomBytes(3).toString('hex')}`
const QUEUED = 4
const BURST = 30

describe.runIf(shouldRunDocker())('overload at the agent load balancer', () => {
  let agent: AgentProcess | undefined

  afterAll(async () => {
    await agent?.stop()
    await removeContainersOf(vmName)
  })

  it('answers a burst beyond its queue with 503 + Retry-After within 100 ms and serves the rest', async () => {
    agent = await startAgent([
      ...['--name', vmName, '--standalone', '--capacity', '1', '--min-replicas', '1'],
      ...['--cpus-per-container', '0.1', '--memory-per-container', '64m'],
      ...['--lb-host', '127.0.0.1', '--lb-port', '0'],
      '--balancer',
      JSON.stringify({ queue: { maxInFlightPerWeight: 1, maxQueued: QUEUED, maxWaitMs: 30_000 } }),
    ])
    const running = agent
    await waitFor(
      'one ready container',
      async () => (readyCount(await running.status()) === 1 ? true : undefined),
      60_000,
    )
    expect((await fetch(`${running.lbUrl}/`)).status).toBe(200)

    const outcomes = await Promise.all(
      Array.from({ length: BURST }, async () => {
        const started = performance.now()
        const response = await fetch(`${running.lbUrl}/`)
        const ms = performance.now() - started
        await response.arrayBuffer()
        return {
          status: response.status,
          ms,
          retryAfter: response.headers.get('retry-after'),
          marker: response.headers.get(UNSERVED_HEADER),
        }
      }),
    )
    const shed = outcomes.filter((o) => o.status === 503)
    const served = outcomes.filter((o) => o.status === 200)
    // Everything is either served or shed: no timeout, no 502, no slow 503.
    expect(served.length + shed.length).toBe(BURST)
    expect(served.length).toBeGreaterThanOrEqual(1 + QUEUED)
    expect(shed.length).toBeGreaterThan(0)
    for (const o of shed) {
      expect(o.retryAfter).toBe('1')
      expect(o.marker).toBe('queue-full')
      expect(o.ms).toBeLessThan(100)
    }
    // Nothing stays counted in flight once the burst is over.
    const status = await running.status()
    expect(status.replicas.map((r) => r.inFlight)).toEqual([0])
  })
})
