// The whole cluster as a user runs it: `npm run serve -- --lab 2`, traffic through the front proxy,
// scaling across VMs with reasons in the event log, an agent killed and brought back, and a VIM restart.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClusterSnapshot } from '../../src/shared/domain/cluster'
import type { ClusterEvent } from '../../src/shared/domain/events'
import { certificateFingerprint } from '../../src/shared/protocol/auth'
import { type AgentProcess, holdSessions, startAgent, waitFor } from '../support/agent-process'
import { containersOf, dockerAvailable } from '../support/docker'
import { freePort, type HeadlessProcess, startHeadless, testEnv } from '../support/headless-process'
import { vimApi as api, type LabVim, labRuntime as runtime, startLabVim } from '../support/lab-vim'

const TOKEN = 'cluster-test-token'
// The user's settings for this lab: keep one container per VM, and give capacity back after 10 s of calm
// (instead of 60 s), a replica at a time, and 10 s after a scale-up (instead of 60 s), so that the test sees it.
const settings = {
  scaling: {
    placement: 'spread',
    policy: {
      minReplicas: 2,
      targetUtilization: 0.5,
      scaleDown: { stabilizationSeconds: 10, maxPercent: 25, periodSeconds: 2 },
      steadiness: { scaleDownAfterUpSeconds: 10, burstStabilizationSeconds: 10 },
    },
  },
}

const readyOn = (snapshot: ClusterSnapshot, vm: string) =>
  snapshot.vms.find((v) => v.name === vm)?.containers.filter((c) => c.state === 'ready').length ?? 0
const totalReady = (snapshot: ClusterSnapshot) =>
  snapshot.vms.reduce((sum, vm) => sum + readyOn(snapshot, vm.name), 0)

async function servedBy(url: string, requests: number): Promise<Map<string, number>> {
  const counts = new Map<string, number>()
  for (let i = 0; i < requests; i++) {
    const response = await fetch(url)
    expect(response.status).toBe(200)
    const vm = response.headers.get('x-served-by')?.split('/')[0] ?? '?'
    counts.set(vm, (counts.get(vm) ?? 0) + 1)
  }
  return counts
}

describe(`the VIM with a local lab of 2 VMs (${runtime} runtime)`, () => {
  let lab: LabVim
  let vim: HeadlessProcess
  let proxyUrl: string
  let cluster: string

  beforeAll(async () => {
    lab = await startLabVim(2, settings, TOKEN)
    vim = lab.vim
    cluster = lab.cluster
  })
  afterAll(async () => {
    await lab?.stop()
  })

  it('brings up two ready VMs with one container each, and the front proxy reaches both', async () => {
    const snapshot = await waitFor(
      'both lab VMs ready',
      async () => {
        const s = await api<ClusterSnapshot>(vim, '/cluster')
        return s.vms.length === 2 && s.vms.every((vm) => vm.status === 'ready' && readyOn(s, vm.name) === 1)
          ? s
          : undefined
      },
      60_000,
    )
    expect(snapshot.vms.map((vm) => [vm.name, vm.provider, vm.agent?.runtime])).toEqual([
      ['lab-1', 'lab', runtime],
      ['lab-2', 'lab', runtime],
    ])
    proxyUrl = snapshot.proxyUrl as string
    const counts = await servedBy(proxyUrl, 20)
    expect([...counts.keys()].sort()).toEqual(['lab-1', 'lab-2'])
  })

  it('grows replicas across both VMs under load, explains each decision, and returns to the minimum', async () => {
    const load = holdSessions(proxyUrl, 5, 3, 120)
    let peak: ClusterSnapshot
    try {
      peak = await waitFor(
        'more replicas under load',
        async () => {
          const s = await api<ClusterSnapshot>(vim, '/cluster')
          return totalReady(s) >= 3 ? s : undefined
        },
        90_000,
      )
    } finally {
      await load.stop()
    }
    expect(readyOn(peak, 'lab-1')).toBeGreaterThanOrEqual(1)
    expect(readyOn(peak, 'lab-2')).toBeGreaterThanOrEqual(1)

    const events = await api<ClusterEvent[]>(vim, '/events?kinds=scaling,placement')
    const scaleUp = events.find((e) => e.kind === 'scaling' && e.detail?.action === 'scale-up')
    expect(scaleUp?.message).toMatch(/CPU \d+% of limit vs target 50% \(ratio \d+\.\d+\): \d+ → \d+ replicas/)
    expect(events.some((e) => e.kind === 'placement' && /spread/.test(e.message))).toBe(true)

    await waitFor(
      'back to the minimum of one container per VM',
      async () => {
        const s = await api<ClusterSnapshot>(vim, '/cluster')
        return s.vms.every((vm) => vm.containers.length === 1 && readyOn(s, vm.name) === 1) ? s : undefined
      },
      90_000,
    )
    const calm = await api<ClusterEvent[]>(vim, '/events?kinds=scaling')
    expect(calm.some((e) => e.detail?.action === 'scale-down')).toBe(true)
  })

  it('takes a VM whose agent died out of rotation within 2 s, and lets it rejoin without duplicates', async () => {
    const before = await api<ClusterSnapshot>(vim, '/cluster')
    const lab2 = before.vms.find((vm) => vm.name === 'lab-2')
    const status = (await (await fetch(`http://${lab2?.address}/_agent/status`)).json()) as { pid: number }
    const containersBefore = dockerAvailable
      ? (await containersOf('lab-2', cluster)).map((c) => c.Id).sort()
      : []

    process.kill(status.pid, 'SIGKILL')
    const killedAt = Date.now()
    await waitFor(
      'lab-2 out of rotation',
      async () => {
        const proxy = await api<{ backends: { id: string }[] }>(vim, '/proxy')
        return proxy.backends.some((b) => b.id === 'lab-2') ? undefined : true
      },
      5_000,
    )
    expect(Date.now() - killedAt).toBeLessThan(2_000)
    expect([...(await servedBy(proxyUrl, 10)).keys()]).toEqual(['lab-1'])

    await api(vim, '/vms/lab-2/start', { method: 'POST' })
    await waitFor(
      'lab-2 back with a ready container',
      async () => {
        const s = await api<ClusterSnapshot>(vim, '/cluster')
        const vm = s.vms.find((v) => v.name === 'lab-2')
        return vm?.status === 'ready' && readyOn(s, 'lab-2') >= 1 ? s : undefined
      },
      60_000,
    )
    if (dockerAvailable) {
      // The killed agent could not clean up; its successor adopted its container instead of starting another.
      expect((await containersOf('lab-2', cluster)).map((c) => c.Id).sort()).toEqual(containersBefore)
    }
    // Back in rotation: it warms up (slow start), so it takes a share of the traffic within a few seconds.
    const serving = await waitFor(
      'lab-2 serving again',
      async () => {
        const vms = [...(await servedBy(proxyUrl, 20)).keys()].sort()
        return vms.includes('lab-2') ? vms : undefined
      },
      20_000,
    )
    expect(serving).toEqual(['lab-1', 'lab-2'])
  })

  it('answers the control API: validation, time series, metrics, and lab VMs added and removed', async () => {
    const refused = await fetch(`${vim.baseUrl}/api/v1/policy`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ scaling: { policy: { targetUtilization: 2 } } }),
    })
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
      /targetUtilization/,
    )

    const hub = await api<{ url: string; fingerprint: string }>(vim, '/hub')
    expect(hub.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/)
    expect(hub.fingerprint).toMatch(/^SHA256(:[0-9A-F]{2}){32}$/)

    const series = await api<{ times: number[] }>(vim, '/series?vmId=lab-1')
    expect(series.times.length).toBeGreaterThan(5)

    expect((await fetch(`${vim.baseUrl}/metrics`)).status).toBe(401)
    const metrics = await (
      await fetch(`${vim.baseUrl}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } })
    ).text()
    expect(metrics).toMatch(/^acs_requests_total\{vm="lab-1",status_class="2xx"\} \d+/m)
    expect(metrics).toMatch(/^acs_vm_replicas_ready\{vm="lab-2"\} 1/m)

    const added = await api<{ name: string }>(vim, '/vms', {
      method: 'POST',
      body: JSON.stringify({ provider: 'lab' }),
    })
    expect(added.name).toBe('lab-3')
    await waitFor(
      'lab-3 ready',
      async () => {
        const s = await api<ClusterSnapshot>(vim, '/cluster')
        return s.vms.find((vm) => vm.name === 'lab-3')?.status === 'ready' ? s : undefined
      },
      60_000,
    )
    // A remove drains the VM first (its replicas move, then it leaves), so it is gone shortly after.
    await api(vim, '/vms/lab-3', { method: 'DELETE' })
    const after = await waitFor(
      'lab-3 removed',
      async () => {
        const s = await api<ClusterSnapshot>(vim, '/cluster')
        return s.vms.some((vm) => vm.name === 'lab-3') ? undefined : s
      },
      90_000,
    )
    expect(after.vms.map((vm) => vm.name)).toEqual(['lab-1', 'lab-2'])
  })

  it('stops the lab and removes its containers when the VIM exits', async () => {
    await vim.stop()
    if (!dockerAvailable) return
    // npm exits first; the VIM then stops its agents, which remove their containers.
    await waitFor(
      'no lab container left',
      async () => {
        for (const vm of ['lab-1', 'lab-2', 'lab-3'])
          if ((await containersOf(vm, cluster)).length > 0) return undefined
        return true
      },
      30_000,
    )
  })
})

describe('a VIM restart with agents of its own (not lab children)', () => {
  const agents: AgentProcess[] = []
  const dataDir = mkdtempSync(join(tmpdir(), 'acs-restart-'))
  afterAll(async () => {
    for (const agent of agents) await agent.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('has its agents reconnect within 5 s, rebuilds the cluster from their reports, and keeps the settings', async () => {
    const hubPort = await freePort()
    const args = [
      '--lab',
      '0',
      '--ui-port',
      String(await freePort()),
      '--proxy-port',
      '0',
      '--hub-port',
      String(hubPort),
    ]
    const start = () => startHeadless(args, { ...testEnv({ ACS_TOKEN: TOKEN }), ACS_DATA_DIR: dataDir })
    let vim = await start()
    const joinToken = readFileSync(join(dataDir, 'join-token'), 'utf8').trim()
    const fingerprint = certificateFingerprint(readFileSync(join(dataDir, 'hub-cert.pem'), 'utf8'))
    for (const name of ['ext-1', 'ext-2']) {
      agents.push(
        await startAgent(
          [
            '--name',
            name,
            '--runtime',
            'process',
            '--vim',
            `wss://127.0.0.1:${hubPort}`,
            '--ca-fingerprint',
            fingerprint,
          ]
            .concat([
              '--capacity',
              '2',
              '--cpus-per-container',
              '0.1',
              '--lb-host',
              '127.0.0.1',
              '--lb-port',
              '0',
            ])
            .concat(['--cleanup-on-exit']),
          { ACS_AGENT_TOKEN: joinToken },
        ),
      )
    }
    const bothReady = async () => {
      const s = await api<ClusterSnapshot>(vim, '/cluster')
      return s.vms.length === 2 && s.vms.every((vm) => vm.status === 'ready' && readyOn(s, vm.name) === 1)
        ? s
        : undefined
    }
    await waitFor('both external agents ready', bothReady, 30_000)
    const saved = await api<{ balancer: string }>(vim, '/policy', {
      method: 'PUT',
      body: JSON.stringify({ balancer: 'round-robin' }),
    })
    expect(saved.balancer).toBe('round-robin')

    await vim.stop({ keepData: true })
    vim = await start()
    const restartedAt = Date.now()
    try {
      const rebuilt = await waitFor('the agents back in the restarted VIM', bothReady, 15_000)
      expect(Date.now() - restartedAt).toBeLessThan(5_000)
      expect(rebuilt.vms.map((vm) => vm.name)).toEqual(['ext-1', 'ext-2'])
      expect((await api<{ balancer: string }>(vim, '/policy')).balancer).toBe('round-robin')
    } finally {
      await vim.stop({ keepData: true })
    }
  })
})
