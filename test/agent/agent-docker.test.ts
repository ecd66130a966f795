// The agent as a user runs it, against the real Docker Engine: limits, serving through its load
// balancer, scaling up under load and back down, replacing a killed container, adoption after restart.
import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { type AgentProcess, holdSessions, readyCount, startAgent, waitFor } from '../support/agent-process'
import { containersOf, docker, removeContainersOf, shouldRunDocker, TEST_CLUSTER_ID } from '../support/docker'

const vmName = `itest-${randomBytes(3).toString('hex')}`
// Test-speed policy: the same rules, shorter windows (scale-down after 8 s of calm and 8 s after a
// scale-up, 1 replica per 2 s).
const policy = {
  targetUtilization: 0.5,
  scaleDown: { stabilizationSeconds: 8, maxPercent: 25, periodSeconds: 2 },
  steadiness: { scaleDownAfterUpSeconds: 8, burstStabilizationSeconds: 8 },
}
const agentArgs = [
  '--name',
  vmName,
  '--standalone',
  '--capacity',
  '3',
  '--cpus-per-container',
  '0.25',
  '--memory-per-container',
  '64m',
  '--lb-host',
  '127.0.0.1',
  '--lb-port',
  '0',
  '--policy',
  JSON.stringify(policy),
]

describe.runIf(shouldRunDocker())('vmm-agent with Docker (standalone)', () => {
  let agent: AgentProcess | undefined

  afterAll(async () => {
    await agent?.stop()
    await removeContainersOf(vmName)
  })

  it('starts one container with the requested limits and serves through its load balancer', async () => {
    agent = await startAgent(agentArgs)
    const status = await waitFor(
      'one ready container',
      async () => {
        const s = await agent?.status()
        return s && readyCount(s) === 1 ? s : undefined
      },
      60_000,
    )
    expect(status).toMatchObject({
      name: vmName,
      runtime: 'docker',
      isolation: 'container',
      mode: 'standalone',
    })

    const [info] = await containersOf(vmName)
    const inspect = await docker.getContainer(info?.Id ?? '').inspect()
    expect(inspect.HostConfig.NanoCpus).toBe(250_000_000)
    expect(inspect.HostConfig.Memory).toBe(64 * 2 ** 20)
    expect(inspect.Config.Labels).toMatchObject({
      'acs.vm': vmName,
      'acs.cluster': TEST_CLUSTER_ID,
      'acs.managed-by': 'vmm-agent',
    })
    // Hardened: nothing a web server does not need, while it still serves below and reports its CPU.
    expect(inspect.HostConfig).toMatchObject({
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      PidsLimit: 128,
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,noexec,nosuid,nodev,size=16m' },
    })
    expect(inspect.Config.User).toBe('65534:65534')

    const response = await fetch(`${agent.lbUrl}/`)
    expect(response.status).toBe(200)
    expect(response.headers.get('x-served-by')).toBe(`${vmName}/${inspect.Name.replace(/^\//, '')}`)
  })

  it('scales up under load, replaces a killed container while traffic flows, and scales back down', async () => {
    const running = agent as AgentProcess
    const load = holdSessions(running.lbUrl, 6, 3, 120)
    try {
      const scaled = await waitFor(
        'a second ready container under load',
        async () => {
          const s = await running.status()
          return readyCount(s) >= 2 ? s : undefined
        },
        60_000,
      )
      expect(scaled.target).toBeGreaterThanOrEqual(2)

      const victim = scaled.replicas.find((r) => r.state === 'ready')?.id as string
      await docker.getContainer(victim).kill()
      for (let i = 0; i < 10; i++) {
        const response = await fetch(`${running.lbUrl}/`)
        expect(response.status).toBe(200)
      }
      await waitFor(
        'the killed container replaced',
        async () => {
          const s = await running.status()
          return !s.replicas.some((r) => r.id === victim) && readyCount(s) >= 2 ? true : undefined
        },
        60_000,
      )
    } finally {
      await load.stop()
    }
    expect(load.stats().ok).toBeGreaterThan(0)

    await waitFor(
      'scale back down to one container',
      async () => {
        const s = await running.status()
        return s.replicas.length === 1 && readyCount(s) === 1 ? true : undefined
      },
      90_000,
    )
    expect(running.output()).toMatch(/scaling-decision: .*CPU \d+% of limit vs target 50%/)
    expect(running.output()).toMatch(/container-crashed: .* exited \(killed\); replacing it/)
  })

  it('leaves its containers on exit and adopts them when restarted, without duplicates', async () => {
    const before = (await containersOf(vmName)).map((c) => c.Id).sort()
    expect(before).toHaveLength(1)
    expect(await agent?.stop()).toBe(0)
    expect(agent?.output()).toContain('SIGTERM: stopping; leaving the containers')
    expect((await containersOf(vmName)).map((c) => c.Id).sort()).toEqual(before)

    agent = await startAgent(agentArgs)
    const status = await waitFor(
      'the adopted container ready',
      async () => {
        const s = await agent?.status()
        return s && readyCount(s) === 1 ? s : undefined
      },
      30_000,
    )
    expect(status.replicas.map((r) => r.id)).toEqual(before)
    expect((await containersOf(vmName)).map((c) => c.Id).sort()).toEqual(before)
    expect((await fetch(`${agent.lbUrl}/`)).status).toBe(200)
  })
})
