// A VM the user stops is drained first: a real headless VIM with a lab of 2 VMs, one replica in the
// cluster, and an open-loop GET load of 25 req/s through the front proxy. Stopping the VM that holds the
// only replica moves it to the other VM first, drains the VM, then stops it: no request fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OpenLoopLoad, type RequestRecord } from '../../bench/chaos/open-loop'
import type { ClusterSnapshot } from '../../src/shared/domain/cluster'
import type { HeadlessProcess } from '../support/headless-process'
import {
  vimApi as api,
  clusterWhere,
  containersOn,
  eventLog,
  expectNoFailure,
  keepLoading,
  type LabVim,
  labRuntime as runtime,
  startLabVim,
} from '../support/lab-vim'

const TOKEN = 'vm-stop-test-token'
const RATE = 25
// One replica in the cluster; no VM is stopped for being idle during the test.
const settings = {
  scaling: { placement: 'spread', idleCooldownSeconds: 3600, policy: { minReplicas: 1, maxReplicas: 1 } },
}

describe(`a user stop drains the VM first under ${RATE} req/s (lab of 2, ${runtime} runtime)`, () => {
  let lab: LabVim
  let vim: HeadlessProcess
  let proxyUrl: string

  beforeAll(async () => {
    lab = await startLabVim(2, settings, TOKEN)
    vim = lab.vim
    const s = await clusterWhere(
      vim,
      'both VMs joined and one ready replica',
      (c) =>
        ['lab-1', 'lab-2'].every((vm) => c.vms.find((v) => v.name === vm)?.agent) &&
        containersOn(c, 'lab-1', 'ready') + containersOn(c, 'lab-2', 'ready') === 1 &&
        c.vms.every((v) => v.containers.every((x) => x.state === 'ready')),
      90_000,
    )
    proxyUrl = s.proxyUrl as string
  }, 120_000)

  afterAll(async () => {
    await lab?.stop()
  })

  it('stops the VM holding the only replica without a failed request, after the replica moved', async () => {
    let holder = 'lab-1'
    let other = 'lab-2'
    const loadStartedAt = Date.now()
    const traffic = new OpenLoopLoad({
      url: `${proxyUrl}/healthz`,
      rate: RATE,
      maxSeconds: 90,
      timeoutMs: 10_000,
    })
    let records: RequestRecord[] = []
    try {
      await keepLoading(3000)
      // Where the replica is now, read just before the stop: placement may have moved it since the start.
      const now = await api<ClusterSnapshot>(vim, '/cluster')
      if (containersOn(now, 'lab-2', 'ready') === 1) [holder, other] = ['lab-2', 'lab-1']
      const answer = await api<{ pending?: boolean; message?: string }>(vim, `/vms/${holder}/stop`, {
        method: 'POST',
      })
      // The API answers at once; the VM shows that it drains, and why.
      expect(answer.pending, answer.message).toBe(true)
      const vm = (await api<ClusterSnapshot>(vim, '/cluster')).vms.find((v) => v.name === holder)
      expect(vm?.status).toBe('draining')
      expect(vm?.leaving?.reason).toMatch(/^stopping at the user's request/)
      await clusterWhere(
        vim,
        `${holder} stopped and the replica ready on ${other}`,
        (c) =>
          c.vms.find((v) => v.name === holder)?.status === 'stopped' && containersOn(c, other, 'ready') === 1,
        75_000,
      ).catch(async (error: Error) => {
        throw new Error(`${error.message}\n${await eventLog(vim, loadStartedAt)}`)
      })
      await keepLoading(3000)
    } finally {
      records = await traffic.stop()
    }
    const log = await eventLog(vim, loadStartedAt)
    expectNoFailure(records, RATE, loadStartedAt, log)
    const served = new Set(records.map((r) => r.servedBy?.split('/')[0]))
    expect([...served].sort()).toEqual(['lab-1', 'lab-2'])
    expect(log).toContain(`${holder}: stopping after its 1 replica moved to ${other}`)
  }, 150_000)
})
