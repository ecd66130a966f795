// Active health checks against a real agent and real Docker: a container frozen with `docker pause` under
// an open-loop load of 20 GET/s is out of rotation within 3 health intervals, reported unhealthy with the
// reason, and replaced (the replacement ready before the frozen one is removed). Every request is logged.
import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { type AgentProcess, startAgent, waitFor } from '../support/agent-process'
import { containersOf, docker, removeContainersOf, shouldRunDocker } from '../support/docker'
import { openLoopGet } from '../support/open-loop-get'

const vmName = `health-${randomBytes(3).toString('hex')}`
const INTERVAL_MS = 1_000
const health = { intervalMs: INTERVAL_MS, timeoutMs: 500, replaceAfterMs: 6_000 }
/** The client's bound on one request: 3 health intervals + 1 s (the forwarder's own timeouts come later). */
const CLIENT_BOUND_MS = 3 * INTERVAL_MS + 1_000
const RATE_PER_S = 20

describe.runIf(shouldRunDocker())('active health checks with Docker', () => {
  let agent: AgentProcess | undefined
  let load: ReturnType<typeof openLoopGet> | undefined

  afterAll(async () => {
    await load?.stop()
    // A paused container cannot be stopped cleanly: unpause what this test froze before removing it.
    for (const info of await containersOf(vmName))
      if (info.State === 'paused')
        await docker
          .getContainer(info.Id)
          .unpause()
          .catch(() => {})
    await agent?.stop()
    await removeContainersOf(vmName)
  })

  it('takes a paused container out of rotation within 3 intervals, reports why, and replaces it', async () => {
    agent = await startAgent([
      ...['--name', vmName, '--standalone', '--capacity', '3', '--min-replicas', '2'],
      ...['--cpus-per-container', '0.25', '--memory-per-container', '64m', '--request-cpu-ms', '2'],
      ...['--lb-host', '127.0.0.1', '--lb-port', '0'],
      ...['--policy', JSON.stringify({ minReplicas: 2, maxReplicas: 2 })],
      ...['--balancer', JSON.stringify({ health })],
    ])
    const running = agent
    const serving = async () =>
      (await running.status()).replicas.filter((r) => r.state === 'ready' && r.unhealthyReason === null)
    const [victim, survivor] = await waitFor(
      'two ready containers',
      async () => {
        const ready = await serving()
        return ready.length === 2 ? ready : undefined
      },
      90_000,
    )
    if (!victim || !survivor) throw new Error('two containers expected')
    expect((await fetch(`${running.lbUrl}/_agent/healthz`)).status).toBe(200)

    load = openLoopGet(running.lbUrl, RATE_PER_S, CLIENT_BOUND_MS)
    await new Promise((resolve) => setTimeout(resolve, 3_000)) // load before the fault
    const pausedAt = Date.now()
    await docker.getContainer(victim.id).pause()

    const sick = await waitFor(
      'the paused container reported unhealthy',
      async () =>
        (await running.status()).replicas.find((r) => r.id === victim.id && r.unhealthyReason !== null),
      10_000,
    )
    const detectedAfterMs = Date.now() - pausedAt
    expect(sick.unhealthyReason).toBe('GET /healthz timed out after 500 ms')
    expect(detectedAfterMs).toBeLessThanOrEqual(3 * INTERVAL_MS + 500)
    // One healthy container is left: the VM still tells the front proxy it can serve.
    expect((await fetch(`${running.lbUrl}/_agent/healthz`)).status).toBe(200)

    // Replacement: a new container is ready before the paused one is removed.
    await waitFor(
      'the paused container replaced',
      async () => {
        const status = await running.status()
        const gone = !status.replicas.some((r) => r.id === victim.id)
        const ready = status.replicas.filter((r) => r.state === 'ready' && r.unhealthyReason === null)
        return gone && ready.length === 2 ? true : undefined
      },
      health.replaceAfterMs + 60_000,
    )
    await new Promise((resolve) => setTimeout(resolve, 2_000)) // load after the replacement
    await load.stop()

    // The agent's log, in order: unhealthy, then the replacement ready, then the frozen one removed.
    const log = running.output()
    const unhealthyAt = log.indexOf('is unhealthy: GET /healthz timed out after 500 ms')
    const replacementReadyAt = log.indexOf('is healthy and takes traffic', unhealthyAt)
    const removedAt = log.indexOf(`removed ${victim.name} (unhealthy for`)
    expect(unhealthyAt).toBeGreaterThanOrEqual(0)
    expect(replacementReadyAt).toBeGreaterThan(unhealthyAt)
    expect(removedAt).toBeGreaterThan(replacementReadyAt)
    expect((await containersOf(vmName)).some((c) => c.Id === victim.id)).toBe(false)

    const outcomes = load.outcomes
    const failed = outcomes.filter((o) => o.status !== 200)
    const outOfRotationBy = pausedAt + 3 * INTERVAL_MS
    const late = outcomes.filter((o) => o.sentAt > outOfRotationBy)
    const summary = `${outcomes.length} requests, ${failed.length} failed (${failed
      .map((o) => `${o.status} at +${o.sentAt - pausedAt} ms`)
      .join(', ')}); detected after ${detectedAfterMs} ms; worst ${Math.max(...outcomes.map((o) => o.ms))} ms`
    console.log(`health under load: ${summary}`)
    expect(outcomes.length).toBeGreaterThanOrEqual(RATE_PER_S * 8)
    // Nothing waits beyond the bound, and everything sent once the container is out of rotation succeeds.
    expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThanOrEqual(CLIENT_BOUND_MS + 200)
    expect(
      late.filter((o) => o.status !== 200),
      summary,
    ).toEqual([])
    // The only failures are requests that were already on their way to the frozen container.
    for (const o of failed) expect(o.sentAt, summary).toBeLessThanOrEqual(outOfRotationBy)
    expect(late.every((o) => o.servedBy !== `${vmName}/${victim.name}`)).toBe(true)
  })
})
