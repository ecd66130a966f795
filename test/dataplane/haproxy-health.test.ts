// A container killed under load on the native data plane: the lab on --data-plane haproxy, three
// containers (two on lab-1), an open-loop GET load with every request logged. `docker kill` on one of
// lab-1's containers costs no GET (HAProxy retries what it held elsewhere), and the agent's HAProxy takes
// it out of rotation (its checks see it DOWN, or the agent removes it) within three check intervals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OpenLoopLoad, type RequestRecord } from '../../bench/chaos/open-loop'
import { waitFor } from '../../src/shared/testing/poll'
import { docker } from '../support/docker'
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
import { agentServers, frontServersUp, haproxyInstalled, startHaproxyLab } from './haproxy-support'

const TOKEN = 'haproxy-health-test-token'
const RATE = 25
/** The agents' default check interval (DEFAULT_HEALTH_SETTINGS). */
const INTERVAL_MS = 2_000
const settings = {
  scaling: { placement: 'spread', idleCooldownSeconds: 3600, policy: { minReplicas: 3, maxReplicas: 3 } },
}

describe.runIf(haproxyInstalled)('a killed container on --data-plane haproxy', () => {
  let lab: LabVim
  let vim: HeadlessProcess
  let proxyUrl: string

  beforeAll(async () => {
    lab = await startHaproxyLab(2, settings, TOKEN)
    vim = lab.vim
    const s = await clusterWhere(
      vim,
      'two ready containers on lab-1 and one on lab-2',
      (c) => containersOn(c, 'lab-1', 'ready') === 2 && containersOn(c, 'lab-2', 'ready') === 1,
      90_000,
    )
    proxyUrl = s.proxyUrl as string
    await frontServersUp(vim, ['lab-1', 'lab-2'])
  }, 120_000)

  afterAll(async () => {
    await lab?.stop()
  })

  it('drains it from HAProxy without a failed GET', async () => {
    const cluster = await api<{ vms: { name: string; containers: { id: string; state: string }[] }[] }>(
      vim,
      '/cluster',
    )
    const victim = cluster.vms.find((v) => v.name === 'lab-1')?.containers[0]
    if (!victim) throw new Error('a container on lab-1 expected')
    const startedAt = Date.now()
    const load = new OpenLoopLoad({
      url: `${proxyUrl}/healthz`,
      rate: RATE,
      maxSeconds: 40,
      timeoutMs: 10_000,
    })
    let records: RequestRecord[] = []
    try {
      await keepLoading(3_000)
      await docker.getContainer(victim.id).kill()
      const killedAt = Date.now()
      await waitFor(
        "the killed container out of lab-1's HAProxy rotation",
        async () => {
          const servers = await agentServers(vim, 'lab-1')
          const entry = servers.find((s) => s.id === victim.id)
          return entry === undefined || !entry.status.startsWith('UP') ? true : undefined
        },
        3 * INTERVAL_MS + 1_000,
      )
      expect(Date.now() - killedAt).toBeLessThan(3 * INTERVAL_MS + 1_000)
      await keepLoading(4_000)
    } finally {
      records = await load.stop()
    }
    expectNoFailure(records, RATE, startedAt, await eventLog(vim, startedAt))
  }, 90_000)
})
