// The agent with --runtime process (no Docker): the same scaling behaviour with child processes.
import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { type AgentProcess, holdSessions, readyCount, startAgent, waitFor } from '../support/agent-process'

const vmName = `ptest-${randomBytes(3).toString('hex')}`
// Test-speed windows: scale-down after 8 s of calm and 8 s after a scale-up, 1 replica per 2 s.
const policy = {
  targetUtilization: 0.5,
  scaleDown: { stabilizationSeconds: 8, maxPercent: 25, periodSeconds: 2 },
  steadiness: { scaleDownAfterUpSeconds: 8, burstStabilizationSeconds: 8 },
}

describe('vmm-agent with the process runtime (standalone)', () => {
  let agent: AgentProcess | undefined
  afterAll(async () => {
    await agent?.stop()
  })

  it('serves, scales up under load, replaces a killed process, scales back down, and cleans up on exit', async () => {
    agent = await startAgent([
      '--name',
      vmName,
      '--runtime',
      'process',
      '--capacity',
      '3',
      '--cpus-per-container',
      '0.25',
      '--lb-host',
      '127.0.0.1',
      '--lb-port',
      '0',
      '--policy',
      JSON.stringify(policy),
      '--cleanup-on-exit',
    ])
    const running = agent
    const first = await waitFor(
      'one ready process',
      async () => {
        const s = await running.status()
        return readyCount(s) === 1 ? s : undefined
      },
      30_000,
    )
    expect(first).toMatchObject({ runtime: 'process', isolation: 'none' })
    const response = await fetch(`${running.lbUrl}/`)
    expect(response.status).toBe(200)
    expect(response.headers.get('x-served-by')).toBe(`${vmName}/${first.replicas[0]?.name}`)

    const load = holdSessions(running.lbUrl, 6, 3, 120)
    try {
      const scaled = await waitFor(
        'a second ready process under load',
        async () => {
          const s = await running.status()
          return readyCount(s) >= 2 ? s : undefined
        },
        60_000,
      )
      const victim = scaled.replicas.find((r) => r.state === 'ready')?.id as string
      process.kill(Number(victim.replace('proc-', '')), 'SIGKILL')
      await waitFor(
        'the killed process replaced',
        async () => {
          const s = await running.status()
          return !s.replicas.some((r) => r.id === victim) && readyCount(s) >= 2 ? true : undefined
        },
        60_000,
      )
    } finally {
      await load.stop()
    }
    await waitFor(
      'scale back down to one process',
      async () => {
        const s = await running.status()
        return s.replicas.length === 1 ? s : undefined
      },
      90_000,
    )
    const last = (await running.status()).replicas[0]?.id as string

    expect(await running.stop()).toBe(0)
    expect(() => process.kill(Number(last.replace('proc-', '')), 0)).toThrow()
  })
})
