// The fleet simulator against a real AgentHub in this process: its agents authenticate, report at 1 Hz
// with their containers and a readable send stamp, leave cleanly, and are refused with a wrong token.
import { afterEach, describe, expect, it } from 'vitest'
import { startTestHub, type TestHub, TOKEN } from '../../src/main/hub/hub-test-kit'
import { PROTOCOL_VERSION, type ReportMessage } from '../../src/shared/protocol/messages'
import { type Fleet, startFleet } from './fleet-simulator'
import { readStamp, stampReason } from './report-stamp'

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function hub(): Promise<TestHub> {
  const test = await startTestHub()
  cleanups.push(() => test.hub.close())
  return test
}

async function fleet(url: string, token = TOKEN): Promise<Fleet> {
  const started = await startFleet({ url, token, agents: 3, containersPerAgent: 10, connectTimeoutMs: 5000 })
  cleanups.push(() => started.close())
  return started
}

describe('startFleet', () => {
  it('joins 3 agents with a valid proof and reports once a second with 10 containers', {
    timeout: 15_000,
  }, async () => {
    const test = await hub()
    const reports: { agentId: string; report: ReportMessage; receivedAt: number }[] = []
    test.hub.on('report', (session, report) =>
      reports.push({ agentId: session.agentId, report, receivedAt: Date.now() }),
    )

    const agents = await fleet(test.url)
    expect(
      test.hub
        .sessions()
        .map((s) => s.agentId)
        .sort(),
    ).toEqual(['sim-0001', 'sim-0002', 'sim-0003'])
    expect(test.hub.session('sim-0002')?.hello).toMatchObject({
      v: PROTOCOL_VERSION,
      runtime: 'docker',
      replicas: 10,
    })

    await new Promise((resolve) => setTimeout(resolve, 3000))
    expect(agents.stats()).toEqual({ agents: 3, connected: 3, reportsSent: reports.length, failures: [] })
    for (const agentId of ['sim-0001', 'sim-0002', 'sim-0003']) {
      const own = reports.filter((r) => r.agentId === agentId)
      // 1 Hz from a random phase: 2 to 4 reports in 3 s, numbered from 1.
      expect(own.length, agentId).toBeGreaterThanOrEqual(2)
      expect(own.length, agentId).toBeLessThanOrEqual(4)
      expect(own.map((r) => r.report.seq)).toEqual(own.map((_, i) => i + 1))
      for (const { report, receivedAt } of own) {
        expect(report.containers).toHaveLength(10)
        expect(report.vm).toMatchObject({ replicas: 10, readyReplicas: 10 })
        const stamp = readStamp(report.recommendation.reason)
        expect(stamp).toBe(report.at)
        expect(receivedAt - stamp!).toBeGreaterThanOrEqual(0)
      }
    }
    expect(test.rejected).toEqual([])

    await agents.close()
    expect(agents.stats().connected).toBe(0)
    await expect.poll(() => test.disconnected.length).toBe(3)
    expect(test.disconnected.map((d) => d.end)).toEqual(
      Array(3).fill({ code: 1000, reason: 'bench over', by: 'agent' }),
    )
  })

  it('reports why agents with a wrong token could not join', { timeout: 10_000 }, async () => {
    const test = await hub()
    const agents = await fleet(test.url, 'abcdef.wrongwrongwrong0')
    const stats = agents.stats()
    expect(stats.connected).toBe(0)
    expect(stats.failures).toHaveLength(3)
    expect(stats.failures[0]).toMatch(/^sim-000\d: closed 4401/)
    expect(test.hub.sessions()).toEqual([])
  })
})

describe('report stamps', () => {
  it('round-trip a send time and ignore any other reason', () => {
    expect(readStamp(stampReason(1_795_820_208_259))).toBe(1_795_820_208_259)
    expect(readStamp('cpu 80 % > target 60 %')).toBeUndefined()
    expect(readStamp(undefined)).toBeUndefined()
  })
})
