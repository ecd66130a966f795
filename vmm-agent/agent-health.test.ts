// The agent's use of active health checks, with a fake runtime (tiny real HTTP servers as replicas)
// and a fake probe whose answers the test sets per replica.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { ProbeResult } from '../src/shared/balancer'
import { DEFAULT_POLICY } from '../src/shared/policy'
import { until } from '../src/shared/testing/poll'
import { Agent, type AgentEvent } from './agent'
import { parseAgentArgs } from './config'
import { startLocalLoadBalancer } from './proxy/local-lb'
import type { ContainerRuntime, ReplicaExit, ReplicaHandle } from './runtime/runtime'
import { agentStatus } from './status'

class FakeRuntime implements ContainerRuntime {
  readonly kind = 'process' as const
  readonly servers = new Map<string, Server>()
  readonly log: string[] = []
  private next = 0
  async prepare() {}
  async list() {
    return []
  }
  async start(): Promise<ReplicaHandle> {
    const server = createServer((_req, res) => res.end('ok'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const id = `r${++this.next}`
    this.servers.set(id, server)
    this.log.push(`start ${id}`)
    const port = (server.address() as AddressInfo).port
    return {
      id,
      name: `acs-${id}`,
      host: '127.0.0.1',
      port,
      cpus: 0.1,
      memoryBytes: 2 ** 26,
      startedAt: Date.now(),
      running: true,
    }
  }
  async remove(id: string) {
    this.log.push(`remove ${id}`)
    const server = this.servers.get(id)
    this.servers.delete(id)
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  onExit(_listener: (exit: ReplicaExit) => void) {
    return () => {}
  }
  async close() {}
}

const agents: Agent[] = []
afterEach(async () => {
  for (const agent of agents.splice(0)) await agent.stop({ removeReplicas: true })
})

async function startAgent(replaceAfterMs: number) {
  const parsed = parseAgentArgs([
    '--name',
    'vm-h',
    '--capacity',
    '4',
    '--loop-interval',
    '0.05',
    '--balancer',
    JSON.stringify({ health: { intervalMs: 100, timeoutMs: 50, replaceAfterMs } }),
  ])
  if (parsed.kind !== 'run') throw new Error(JSON.stringify(parsed))
  const runtime = new FakeRuntime()
  const answers = new Map<string, ProbeResult>()
  const events: AgentEvent[] = []
  const agent = new Agent({
    config: parsed.config,
    runtime,
    stats: { sample: async () => new Map() },
    policy: DEFAULT_POLICY,
    probe: async (target) => answers.get(target.id) ?? { ok: true },
  })
  agent.onEvent((event) => events.push(event))
  agents.push(agent)
  await agent.start()
  agent.followVim(2)
  await until('two ready replicas', () => agent.servingReplicas() === 2)
  const [a, b] = [...agent.replicas.keys()] as [string, string]
  return { agent, runtime, answers, events, a, b }
}

const timedOut: ProbeResult = { ok: false, reason: 'GET /healthz timed out after 50 ms' }

describe('Agent health checks', () => {
  it('takes an unhealthy container out of rotation, says why, and takes it back when it recovers', async () => {
    const { agent, answers, events, a, b } = await startAgent(60_000)
    answers.set(a, timedOut)
    await until('a unhealthy', () => agent.servingReplicas() === 1)
    expect(agent.backendStats().get(a)).toMatchObject({
      state: 'unhealthy',
      unhealthyReason: timedOut.reason,
    })
    const warning = events.find((e) => e.kind === 'warning' && e.containerId === a)
    expect(warning?.message).toContain(`acs-${a} is unhealthy: GET /healthz timed out after 50 ms`)
    for (let i = 0; i < 20; i++) {
      const id = agent.pool.pick()
      expect(id).toBe(b)
      agent.pool.release(id!, 'ok')
    }

    answers.delete(a)
    await until('a healthy again', () => agent.servingReplicas() === 2)
    expect(events.at(-1)).toMatchObject({ kind: 'container-ready', containerId: a })
    expect(events.at(-1)?.message).toContain('healthy again')
    expect(agent.replicas.size).toBe(2)
  })

  it('replaces a container unhealthy past the grace: the replacement is ready before the sick one goes', async () => {
    const { agent, runtime, answers, events, a } = await startAgent(300)
    answers.set(a, timedOut)
    await until('a replaced', () => !agent.replicas.has(a) && agent.servingReplicas() === 2)
    expect(runtime.log).toEqual(['start r1', 'start r2', 'start r3', 'remove r1'])
    const readyOfReplacement = events.findIndex((e) => e.kind === 'container-ready' && e.containerId === 'r3')
    const removal = events.findIndex((e) => e.kind === 'container-removed' && e.containerId === a)
    expect(readyOfReplacement).toBeGreaterThanOrEqual(0)
    expect(removal).toBeGreaterThan(readyOfReplacement)
    expect(events[removal]?.message).toMatch(/unhealthy for \d+ s: GET \/healthz timed out after 50 ms/)
  })

  it('scales down by removing the unhealthy container, not a healthy one', async () => {
    const { agent, runtime, answers, a, b } = await startAgent(60_000)
    answers.set(b, timedOut)
    await until('b unhealthy', () => agent.servingReplicas() === 1)
    agent.followVim(1)
    await until('b removed', () => !agent.replicas.has(b))
    expect([...agent.replicas.keys()]).toEqual([a])
    expect(runtime.log.filter((line) => line.startsWith('remove'))).toEqual([`remove ${b}`])
  })

  it('counts only ready, healthy containers as serving (what /_agent/healthz answers from)', async () => {
    const { agent, answers, a, b } = await startAgent(60_000)
    answers.set(a, timedOut)
    answers.set(b, { ok: false, reason: 'GET /healthz answered 500' })
    await until('none serving', () => agent.servingReplicas() === 0)
    expect(agent.pool.pick()).toBeUndefined()
  })

  it('answers GET /_agent/healthz on its load balancer: 200 while a container serves, 503 when none does', async () => {
    const { agent, answers, a, b } = await startAgent(60_000)
    const lb = await startLocalLoadBalancer(agent, () => agentStatus(agent, 'standalone'), '127.0.0.1', 0)
    try {
      const healthz = async () => {
        const response = await fetch(`http://127.0.0.1:${lb.port}/_agent/healthz`)
        return { status: response.status, body: await response.json() }
      }
      expect(await healthz()).toEqual({ status: 200, body: { healthy: true, servingContainers: 2 } })
      answers.set(a, timedOut)
      answers.set(b, timedOut)
      await until('none serving', () => agent.servingReplicas() === 0)
      expect(await healthz()).toEqual({ status: 503, body: { healthy: false, servingContainers: 0 } })
      // Its status page says why each container is out.
      const status = agentStatus(agent, 'standalone')
      expect(status.replicas.map((r) => r.unhealthyReason)).toEqual([timedOut.reason, timedOut.reason])
    } finally {
      await lb.close(100)
    }
  })
})
