// An agent that is shutting down starts nothing new, and removes a replica whose start finished too late.
import { afterEach, describe, expect, it } from 'vitest'
import { Agent, type AgentEvent } from './agent'
import { parseAgentArgs } from './config'
import { FakeRuntime, FakeStats } from './testing/fake-runtime'

function agentWith(runtime: FakeRuntime, extraArgs: string[] = []) {
  const parsed = parseAgentArgs(
    ['--name', 'vm-1', '--runtime', 'process', '--min-replicas', '1', ...extraArgs],
    {},
    () => '{}',
    2,
  )
  if (parsed.kind !== 'run') throw new Error(JSON.stringify(parsed))
  const agent = new Agent({
    config: parsed.config,
    runtime,
    stats: new FakeStats(),
    policy: parsed.config.policy,
  })
  const events: AgentEvent[] = []
  agent.onEvent((event) => events.push(event))
  agents.push(agent)
  return { agent, events }
}

const agents: Agent[] = []
afterEach(async () => {
  await Promise.allSettled(agents.splice(0).map((agent) => agent.stop()))
})

const settle = () => new Promise((resolve) => setTimeout(resolve, 10))

describe('Agent shutdown', () => {
  it('removes at once a replica whose start finishes after stop() began, and stop() waits for that', async () => {
    const runtime = new FakeRuntime()
    const { agent, events } = agentWith(runtime)
    await agent.start()
    expect(runtime.pendingStarts).toHaveLength(1)

    let stopped = false
    const stopping = agent.stop().then(() => {
      stopped = true
    })
    await settle()
    expect(stopped).toBe(false)
    const late = runtime.finishStart()
    await stopping

    expect(runtime.live.size).toBe(0)
    expect(runtime.removed).toEqual([late.id])
    expect(agent.replicas.size).toBe(0)
    expect(events.map((e) => e.kind)).not.toContain('container-started')
    expect(events.at(-1)?.message).toBe(`removed ${late.name} (started as the agent began to stop)`)
  })

  it('starts nothing once shutdown began: not for a new VIM target, not when the link drops', async () => {
    const runtime = new FakeRuntime({ autoStart: true })
    const { agent } = agentWith(runtime, ['--capacity', '4'])
    await agent.start()
    await settle()
    expect(runtime.live.size).toBe(1)

    agent.beginShutdown()
    agent.followVim(3)
    agent.followVim(undefined)
    agent.reconcile()
    await agent.tick()
    await settle()
    expect(runtime.live.size).toBe(1)
  })

  it('a stop during start-up ends the start, and removes what was there when asked', async () => {
    const runtime = new FakeRuntime({ autoStart: true })
    const leftover = await runtime.start({ vmName: 'vm-1', cpus: 0.1, memoryBytes: 64 * 2 ** 20 })
    let prepared = () => {}
    runtime.preparing = new Promise((resolve) => {
      prepared = resolve
    })
    const { agent } = agentWith(runtime)
    const starting = agent.start()
    const stopping = agent.stop({ removeReplicas: true })
    prepared()
    await Promise.all([starting, stopping])
    await settle()
    expect(runtime.removed).toEqual([leftover.id])
    expect(runtime.live.size).toBe(0)
  })
})
