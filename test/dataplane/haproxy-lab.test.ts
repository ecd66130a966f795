// The whole lab on the native data plane: `npm run serve -- --lab 2 --data-plane haproxy` runs HAProxy as
// the front proxy and in each agent. Requests spread over the VMs and their containers (X-Served-By
// passes through both HAProxies), /_agent/ stays closed at the front, and the UI's charts (the control
// API's /proxy and /series) are fed from HAProxy's stats.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OpenLoopLoad, type RequestRecord } from '../../bench/chaos/open-loop'
import type { VmSeriesResponse } from '../../src/shared/domain/time-series'
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
import {
  agentServers,
  answered,
  frontServers,
  frontServersUp,
  haproxyInstalled,
  startHaproxyLab,
} from './haproxy-support'

const TOKEN = 'haproxy-lab-test-token'
const RATE = 30
// Three replicas spread over two VMs (2 + 1); no VM stops for being idle during the test.
const settings = {
  scaling: { placement: 'spread', idleCooldownSeconds: 3600, policy: { minReplicas: 3, maxReplicas: 3 } },
}

describe.runIf(haproxyInstalled)('the lab with --data-plane haproxy', () => {
  let lab: LabVim
  let vim: HeadlessProcess
  let proxyUrl: string

  beforeAll(async () => {
    lab = await startHaproxyLab(2, settings, TOKEN)
    vim = lab.vim
    const s = await clusterWhere(
      vim,
      'three ready containers on two VMs',
      (c) =>
        containersOn(c, 'lab-1', 'ready') + containersOn(c, 'lab-2', 'ready') === 3 &&
        containersOn(c, 'lab-2', 'ready') > 0 &&
        containersOn(c, 'lab-1', 'ready') > 0,
      90_000,
    )
    proxyUrl = s.proxyUrl as string
    await frontServersUp(vim, ['lab-1', 'lab-2'])
  }, 120_000)

  afterAll(async () => {
    await lab?.stop()
  })

  it('spreads requests over every VM and container through HAProxy, none failing, and feeds the charts', async () => {
    const startedAt = Date.now()
    const before = await frontServers(vim)
    const load = new OpenLoopLoad({
      url: `${proxyUrl}/healthz`,
      rate: RATE,
      maxSeconds: 30,
      timeoutMs: 10_000,
    })
    let records: RequestRecord[] = []
    let proxyStats: { requestRate: number; backends: { id: string }[] } | undefined
    try {
      await keepLoading(6_000)
      proxyStats = await api(vim, '/proxy')
    } finally {
      records = await load.stop()
    }
    expectNoFailure(records, RATE, startedAt, await eventLog(vim, startedAt))
    const servedBy = new Set(records.map((r) => r.servedBy))
    expect([...new Set([...servedBy].map((s) => s?.split('/')[0]))].sort()).toEqual(['lab-1', 'lab-2'])
    expect(servedBy.size).toBe(3)

    // The front HAProxy carried them: its servers (one per VM) counted the responses.
    const after = await frontServers(vim)
    const counted = after.reduce(
      (sum, r) => sum + answered(r) - answered(before.find((b) => b.id === r.id)),
      0,
    )
    expect(after.map((r) => r.id).sort()).toEqual(['lab-1', 'lab-2'])
    expect(counted).toBeGreaterThanOrEqual(records.length * 0.9)

    // And each agent's HAProxy, over its containers: every container that served is one of its servers.
    for (const vm of ['lab-1', 'lab-2']) {
      const containers = await agentServers(vim, vm)
      expect(containers.length, vm).toBe(containersOn(await api(vim, '/cluster'), vm, 'ready'))
      expect(
        containers.reduce((sum, r) => sum + answered(r), 0),
        vm,
      ).toBeGreaterThan(0)
    }

    // The front's chart data: the request rate read from HAProxy's stats (about RATE over the window).
    expect(proxyStats?.requestRate).toBeGreaterThan(RATE * 0.3)
    expect(proxyStats?.backends.map((b) => b.id).sort()).toEqual(['lab-1', 'lab-2'])
    // Each VM's chart: the agents' HAProxy stats, reported once a second.
    for (const vm of ['lab-1', 'lab-2']) {
      const series = await api<VmSeriesResponse>(vim, `/series?vmId=${vm}&fromMs=${startedAt}`)
      const rates = series.series.requestRate.filter((v): v is number => v !== null)
      expect(Math.max(...rates), `${vm} request rate`).toBeGreaterThan(2)
    }
  }, 60_000)

  it('keeps /_agent/ closed at the front in every spelling, while each VM answers its own health check', async () => {
    for (const path of [
      '/_agent/status',
      '/_AGENT/status',
      '/%5fagent/status',
      '/%255Fagent/healthz',
      '//_agent/status',
    ])
      expect((await fetch(`${proxyUrl}${path}`)).status, path).toBe(404)
    const servers = await frontServers(vim)
    expect(servers.map((s) => s.status)).toEqual(['UP', 'UP'])
  })
})
