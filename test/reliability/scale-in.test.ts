// Make before break under load: a real headless VIM with a lab of 2 VMs (0.25 CPU containers) and an
// open-loop GET load of 25 req/s through the front proxy, every request's outcome kept. Scaling one VM in
// to 0, and moving a VM's only replica to another VM, must not fail a single request.
//
// The load asks for the workload's /healthz, which the front proxy and the agent forward to a container
// like any request but which costs no CPU: GET / burns 20 ms, so one 0.25 CPU container serves about
// 12 req/s of it, and a single replica at 25 req/s would time out from overload, not from the scale-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OpenLoopLoad, type RequestRecord } from '../../bench/chaos/open-loop'
import type { ClusterEvent } from '../../src/shared/domain/events'
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

const TOKEN = 'scale-in-test-token'
const RATE = 25
// Two replicas, one per VM; no VM is stopped for being idle during the test.
const settings = {
  scaling: {
    placement: 'spread',
    idleCooldownSeconds: 3600,
    policy: { minReplicas: 2, maxReplicas: 2 },
  },
}

const load = (url: string, maxSeconds: number) =>
  new OpenLoopLoad({ url, rate: RATE, maxSeconds, timeoutMs: 10_000 })

describe(`make before break under ${RATE} req/s (lab of 2, ${runtime} runtime)`, () => {
  let lab: LabVim
  let vim: HeadlessProcess
  let proxyUrl: string

  beforeAll(async () => {
    lab = await startLabVim(2, settings, TOKEN)
    vim = lab.vim
    const s = await clusterWhere(vim, 'both VMs with a ready container', (c) =>
      ['lab-1', 'lab-2'].every((vm) => containersOn(c, vm, 'ready') === 1),
    )
    proxyUrl = s.proxyUrl as string
  }, 90_000)

  afterAll(async () => {
    await lab?.stop()
  })

  it('scales lab-2 in to 0 without a failed request: out of the rotation first, then drained', async () => {
    const loadStartedAt = Date.now()
    const traffic = load(`${proxyUrl}/healthz`, 60)
    let records: RequestRecord[] = []
    try {
      await keepLoading(3000)
      await api(vim, '/policy', {
        method: 'PUT',
        body: JSON.stringify({ scaling: { policy: { minReplicas: 1, maxReplicas: 1 } } }),
      })
      await clusterWhere(vim, 'lab-2 without containers', (c) => containersOn(c, 'lab-2') === 0, 45_000)
      await keepLoading(3000)
    } finally {
      records = await traffic.stop()
    }
    expectNoFailure(records, RATE, loadStartedAt, await eventLog(vim, loadStartedAt))
    const served = new Set(records.map((r) => r.servedBy?.split('/')[0]))
    expect([...served].sort()).toEqual(['lab-1', 'lab-2'])

    const events = (await api<ClusterEvent[]>(vim, '/events?vmId=lab-2')).reverse().map((e) => e.message)
    const out = events.findIndex((m) => /^lab-2: 1 → 0 held until the front has no request in flight/.test(m))
    // Each step is looked for after the one before: the start-up may have logged a scale-down of its own.
    const sent = events.findIndex(
      (m, i) => i > out && /^lab-2: 1 → 0 .*(out of the front rotation|drain timeout)/.test(m),
    )
    const removed = events.findIndex((m, i) => i > sent && /^lab-2: removed .*scaled down/.test(m))
    expect(out, events.join('\n')).toBeGreaterThanOrEqual(0)
    expect(sent, events.join('\n')).toBeGreaterThan(out)
    expect(removed, events.join('\n')).toBeGreaterThan(sent)
  }, 90_000)

  it("moves lab-2's only replica to lab-1 without a failed request; the old one goes after the new is ready", async () => {
    // Bring the one replica to lab-2: lab-1 stops (its agent and containers go), lab-2 takes the replica.
    await api(vim, '/policy', {
      method: 'PUT',
      body: JSON.stringify({ scaling: { policy: { minReplicas: 1, maxReplicas: 1 } } }),
    })
    // The stop drains lab-1 first; it is stopped once its provider says so, not only once it is empty.
    await api(vim, '/vms/lab-1/stop', { method: 'POST' })
    await clusterWhere(
      vim,
      'the replica on lab-2 alone and lab-1 stopped',
      (c) =>
        containersOn(c, 'lab-2', 'ready') === 1 &&
        containersOn(c, 'lab-1') === 0 &&
        c.vms.find((v) => v.name === 'lab-1')?.status === 'stopped',
    )
    const loadStartedAt = Date.now()
    const traffic = load(`${proxyUrl}/healthz`, 90)
    let records: RequestRecord[] = []
    try {
      await keepLoading(3000)
      // lab-1 comes back with its replica (its welcome target); the cluster holds 1, so lab-2's goes.
      await api(vim, '/vms/lab-1/start', { method: 'POST' })
      await clusterWhere(
        vim,
        'the replica moved to lab-1',
        (c) => containersOn(c, 'lab-1', 'ready') === 1 && containersOn(c, 'lab-2') === 0,
        60_000,
      ).catch(async (error: Error) => {
        throw new Error(`${error.message}\n${await eventLog(vim, loadStartedAt)}`)
      })
      await keepLoading(3000)
    } finally {
      records = await traffic.stop()
    }
    expectNoFailure(records, RATE, loadStartedAt, await eventLog(vim, loadStartedAt))
    const served = new Set(records.map((r) => r.servedBy?.split('/')[0]))
    expect([...served].sort()).toEqual(['lab-1', 'lab-2'])

    const events = (await api<ClusterEvent[]>(vim, '/events?kinds=container,placement')).reverse()
    const since = events.findLastIndex((e) => e.vmId === 'lab-1' && /started acs-/.test(e.message))
    const after = events.slice(since)
    const newReady = after.findIndex(
      (e) => e.vmId === 'lab-1' && /is healthy and takes traffic/.test(e.message),
    )
    const oldRemoved = after.findIndex((e) => e.vmId === 'lab-2' && /removed .*scaled down/.test(e.message))
    const log = after.map((e) => e.message).join('\n')
    expect(newReady, log).toBeGreaterThanOrEqual(0)
    expect(oldRemoved, log).toBeGreaterThan(newReady)
    expect(after[oldRemoved]?.at ?? 0).toBeGreaterThanOrEqual(after[newReady]?.at ?? Number.POSITIVE_INFINITY)
  }, 150_000)
})
