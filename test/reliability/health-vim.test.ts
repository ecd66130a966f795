// Health as the user sees it, end to end: a lab VM (`npm run serve -- --lab 1`) whose container is frozen
// with `docker pause` under an open-loop load through the front proxy. The API and the event log say which
// container is unhealthy and why, and that it is back after `docker unpause`; the front keeps serving.
// (The 20 GET/s bound of the reliability suite is in health.test.ts, against the agent alone.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClusterSnapshot, VmInfo } from '../../src/shared/domain/cluster'
import type { ClusterEvent } from '../../src/shared/domain/events'
import type { VimSettings } from '../../src/shared/domain/settings'
import { waitFor } from '../support/agent-process'
import { docker, shouldRunDocker } from '../support/docker'
import type { HeadlessProcess } from '../support/headless-process'
import { vimApi as api, type LabVim, startLabVim } from '../support/lab-vim'
import { openLoopGet } from '../support/open-loop-get'

const TOKEN = 'health-vim-test-token'
// The agents' container checks keep their defaults: a probe every 2 s, 1 s timeout, 2 failures.
const AGENT_INTERVAL_MS = 2_000
const settings = { scaling: { policy: { minReplicas: 2, maxReplicas: 2 } } }

describe.runIf(shouldRunDocker())('health checks seen through the VIM (lab of 1 VM, Docker)', () => {
  let lab: LabVim
  let vim: HeadlessProcess
  const paused: string[] = []

  beforeAll(async () => {
    lab = await startLabVim(1, settings, TOKEN)
    vim = lab.vim
  })
  afterAll(async () => {
    // Unpause what this test froze (a paused container does not stop cleanly), then remove the lab's.
    for (const id of paused)
      await docker
        .getContainer(id)
        .unpause()
        .catch(() => {})
    await lab?.stop()
  })

  it('shows a paused container unhealthy with the reason in the API and the events, and back after unpause', async () => {
    const ready = await waitFor(
      'two ready containers on lab-1',
      async () => {
        const s = await api<ClusterSnapshot>(vim, '/cluster')
        const vm = s.vms.find((v) => v.name === 'lab-1')
        return vm && vm.containers.filter((c) => c.state === 'ready').length === 2 ? s : undefined
      },
      90_000,
    )
    const proxyUrl = ready.proxyUrl as string
    const [victim] = ready.vms[0]!.containers
    if (!victim) throw new Error('no container')

    // 5 GET/s of 20 ms CPU each keep the one container left (0.25 CPU) at 40 %: a saturated container
    // answers its /healthz late too, and this test is about the frozen one.
    const load = openLoopGet(proxyUrl, 5, 3 * AGENT_INTERVAL_MS + 1_000)
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    const pausedAt = Date.now()
    await docker.getContainer(victim.id).pause()
    paused.push(victim.id)

    const reason = 'GET /healthz timed out after 1 s'
    const sick = await waitFor(
      'the paused container unhealthy in GET /api/v1/vms',
      async () => {
        const vms = await api<VmInfo[]>(vim, '/vms')
        const container = vms[0]?.containers.find((c) => c.id === victim.id)
        return container?.state === 'unhealthy' ? { vm: vms[0]!, container } : undefined
      },
      20_000,
    )
    const seenAfterMs = Date.now() - pausedAt
    expect(sick.container.unhealthyReason).toBe(reason)
    // Out within 3 intervals at the agent, and one report (1 s) later at the VIM.
    expect(seenAfterMs).toBeLessThanOrEqual(3 * AGENT_INTERVAL_MS + 1_500)
    // The VM still has a healthy container: it stays in the front's rotation, not unhealthy itself.
    expect(sick.vm, JSON.stringify(sick.vm.containers)).toMatchObject({
      status: 'ready',
      unhealthyReason: null,
    })

    await docker.getContainer(victim.id).unpause()
    paused.splice(paused.indexOf(victim.id), 1)
    await waitFor(
      'the container ready again',
      async () => {
        const vms = await api<VmInfo[]>(vim, '/vms')
        const container = vms[0]?.containers.find((c) => c.id === victim.id)
        return container?.state === 'ready' && container.unhealthyReason === null ? true : undefined
      },
      20_000,
    )
    await load.stop()

    const events = await api<ClusterEvent[]>(vim, '/events')
    const unhealthy = events.find((e) => e.message.includes(`${victim.name} is unhealthy: ${reason}`))
    const back = events.find((e) => e.message.includes(`${victim.name} is healthy again`))
    expect(unhealthy?.vmId).toBe('lab-1')
    expect(back && unhealthy && back.id > unhealthy.id).toBe(true)

    const outOfRotationBy = pausedAt + 3 * AGENT_INTERVAL_MS
    const failed = load.outcomes.filter((o) => o.status !== 200)
    const summary = `${load.outcomes.length} requests, failed: ${failed.map((o) => `${o.status} at +${o.sentAt - pausedAt} ms`).join(', ') || 'none'}`
    console.log(`health through the VIM: ${summary}`)
    // Everything sent once the frozen container is out of rotation succeeds.
    for (const o of failed) expect(o.sentAt, summary).toBeLessThanOrEqual(outOfRotationBy)
  })

  it('applies proxy.health settings live through PUT /api/v1/policy and refuses bad ones by name', async () => {
    const saved = await api<VimSettings>(vim, '/policy', {
      method: 'PUT',
      body: JSON.stringify({ proxy: { health: { intervalMs: 500 } } }),
    })
    expect(saved.proxy.health).toMatchObject({ intervalMs: 500, timeoutMs: 1_000, unhealthyThreshold: 2 })
    const refused = await fetch(`${vim.baseUrl}/api/v1/policy`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ proxy: { health: { timeoutMs: 10 } } }),
    })
    expect(refused.status).toBe(400)
    expect(await refused.text()).toContain('timeoutMs must be at least 50 ms')
    // The VIM is still serving.
    expect((await api<VmInfo[]>(vim, '/vms')).length).toBe(1)
  })
})
