// Scaling on the native data plane, under an open-loop GET load with every request logged: the lab on
// --data-plane haproxy scales up from 2 to 4 containers and back in to 1 (a VM emptied, its front
// server drained at weight 0, its containers drained in the agent's HAProxy), and no request fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OpenLoopLoad, type RequestRecord } from '../../bench/chaos/open-loop'
import type { HeadlessProcess } from '../support/headless-process'
import {
  vimApi as api,
  clusterWhere,
  containersOn,
  eventLog,
  expectNoFailure,
  keepLoading,
  type LabVim,
} from '../support/lab-vim'
import { frontServersUp, haproxyInstalled, startHaproxyLab } from './haproxy-support'

const TOKEN = 'haproxy-scaling-test-token'
const RATE = 25
const settings = {
  scaling: { placement: 'spread', idleCooldownSeconds: 3600, policy: { minReplicas: 2, maxReplicas: 2 } },
}
const replicas = (n: number) => ({
  method: 'PUT',
  body: JSON.stringify({ scaling: { policy: { minReplicas: n, maxReplicas: n } } }),
})
const total = (s: Parameters<typeof containersOn>[0], state?: string) =>
  containersOn(s, 'lab-1', state) + containersOn(s, 'lab-2', state)

describe.runIf(haproxyInstalled)('scaling on --data-plane haproxy under load', () => {
  let lab: LabVim
  let vim: HeadlessProcess
  let proxyUrl: string

  beforeAll(async () => {
    lab = await startHaproxyLab(2, settings, TOKEN)
    vim = lab.vim
    const s = await clusterWhere(
      vim,
      'one ready container per VM',
      (c) => ['lab-1', 'lab-2'].every((vm) => containersOn(c, vm, 'ready') === 1),
      90_000,
    )
    proxyUrl = s.proxyUrl as string
    await frontServersUp(vim, ['lab-1', 'lab-2'])
  }, 120_000)

  afterAll(async () => {
    await lab?.stop()
  })

  it('scales up to 4 and in to 1 without a failed request', async () => {
    const startedAt = Date.now()
    const load = new OpenLoopLoad({
      url: `${proxyUrl}/healthz`,
      rate: RATE,
      maxSeconds: 90,
      timeoutMs: 10_000,
    })
    let records: RequestRecord[] = []
    try {
      await keepLoading(2_000)
      await api(vim, '/policy', replicas(4))
      await clusterWhere(vim, 'four ready containers', (c) => total(c, 'ready') === 4, 45_000)
      await keepLoading(3_000)
      await api(vim, '/policy', replicas(1))
      await clusterWhere(vim, 'one container left', (c) => total(c) === 1, 60_000)
      await keepLoading(3_000)
    } finally {
      records = await load.stop()
    }
    const log = await eventLog(vim, startedAt)
    expectNoFailure(records, RATE, startedAt, log)
    // The new containers took requests, and so did both VMs before one was emptied.
    expect(new Set(records.map((r) => r.servedBy)).size, log).toBeGreaterThanOrEqual(4)
    expect(new Set(records.map((r) => r.servedBy?.split('/')[0])).size).toBe(2)
  }, 150_000)
})
