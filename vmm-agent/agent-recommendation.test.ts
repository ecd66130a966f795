// The agent's scaling-decision events while it follows the VIM: one per change of the count it would
// choose, not one per second as rate limits see scale-downs the VIM never made.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { until } from '../src/shared/testing/poll'
import { Agent, type AgentEvent } from './agent'
import { parseAgentArgs } from './config'
import { FakeRuntime, FakeStats } from './testing/fake-runtime'

let server: Server
let port: number

beforeAll(async () => {
  server = createServer((_req, res) => res.end('ok'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})
afterAll(() => new Promise((resolve) => server.close(resolve)))

/** An agent on a clock the test turns, with `replicas` ready ones, following a VIM target of as many. */
async function followingAgent(replicas: number) {
  // A loop interval far beyond the test: only the test's own tick() calls run the loop.
  const argv = ['--name', 'vm-1', '--runtime', 'process', '--capacity', '4', '--loop-interval', '60']
  const parsed = parseAgentArgs(argv, {}, () => '{}', 2)
  if (parsed.kind !== 'run') throw new Error(JSON.stringify(parsed))
  let now = Date.now()
  const stats = new FakeStats()
  const agent = new Agent({
    config: parsed.config,
    runtime: new FakeRuntime({ autoStart: true, port }),
    stats,
    policy: parsed.config.policy,
    now: () => now,
  })
  await agent.start()
  agent.followVim(replicas)
  const ready = () => [...agent.replicas.values()].filter((r) => r.state === 'ready').length
  await until(`${replicas} ready replicas`, () => ready() === replicas)
  const events: AgentEvent[] = []
  agent.onEvent((event) => events.push(event))
  /** Runs the loop once a second for `seconds` of the agent's clock. */
  const run = async (seconds: number) => {
    for (let s = 0; s < seconds; s++) {
      now += 1000
      await agent.tick()
    }
  }
  return { agent, stats, events, run }
}

describe('the agent following the VIM', () => {
  it('recommends a scale-down once and keeps recommending it while the VIM holds its target', async () => {
    const { agent, stats, events, run } = await followingAgent(2)
    try {
      stats.cpuPercent = 5
      await run(240)
      const decisions = events.filter((e) => e.kind === 'scaling-decision').map((e) => e.message)
      expect(decisions).toHaveLength(1)
      expect(decisions[0]).toMatch(
        /^recommending 1 to the VIM: CPU 5% of limit vs target \d+% .*: 2 → 1 replica$/,
      )
      expect(agent.recommendation?.desired).toBe(1)
      expect(agent.target).toBe(2)
    } finally {
      await agent.stop()
    }
  })

  it('says nothing while what it recommends stays the same', async () => {
    const { agent, stats, events, run } = await followingAgent(1)
    try {
      stats.cpuPercent = 40
      await run(120)
      expect(events.filter((e) => e.kind === 'scaling-decision')).toEqual([])
    } finally {
      await agent.stop()
    }
  })
})
