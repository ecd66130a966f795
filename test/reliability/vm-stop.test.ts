// A VM the user stops is drained first: a real headless VIM with a lab of 2 VMs, one replica in the
// cluster, and an open-loop GET load of 25 req/s through the front proxy. Stopping the VM that holds the
// only replica moves it to the other VM first, drains the VM, then stops it: no request fails.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { failureDigest, summarizeLoad } from '../../bench/chaos/load-summary'
import { OpenLoopLoad, type RequestRecord } from '../../bench/chaos/open-loop'
import type { ClusterSnapshot } from '../../src/shared/domain/cluster'
import type { ClusterEvent } from '../../src/shared/domain/events'
import { waitFor } from '../support/agent-process'
import { dockerAvailable, removeClusterImages, removeContainersOf } from '../support/docker'
import { clusterIdOf, type HeadlessProcess, startHeadless, testEnv } from '../support/headless-process'

const runtime = dockerAvailable ? 'docker' : 'process'
const TOKEN = 'vm-stop-test-token'
const RATE = 25
// One replica in the cluster; no VM is stopped for being idle during the test.
const settings = {
  scaling: { placement: 'spread', idleCooldownSeconds: 3600, policy: { minReplicas: 1, maxReplicas: 1 } },
}

async function api<T>(vim: HeadlessProcess, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${vim.baseUrl}/api/v1${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', ...init.headers },
  })
  const body = await response.json()
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`)
  return body as T
}

const readyOn = (s: ClusterSnapshot, vm: string) =>
  s.vms.find((v) => v.name === vm)?.containers.filter((c) => c.state === 'ready').length ?? 0

const clusterWhere = (
  vim: HeadlessProcess,
  what: string,
  check: (s: ClusterSnapshot) => boolean,
  ms = 60_000,
) =>
  waitFor(
    what,
    async () => {
      const s = await api<ClusterSnapshot>(vim, '/cluster')
      return check(s) ? s : undefined
    },
    ms,
  )

/** Lets the load run on for `ms` after a change, so requests sent around it are counted too. */
const keepLoading = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function eventLog(vim: HeadlessProcess, since: number): Promise<string> {
  const events = await api<ClusterEvent[]>(vim, '/events?limit=300')
  return events
    .filter((e) => e.at >= since - 5000)
    .reverse()
    .map((e) => `${e.at - since} ms ${e.kind} ${e.message}`)
    .join('\n')
}

describe(`a user stop drains the VM first under ${RATE} req/s (lab of 2, ${runtime} runtime)`, () => {
  let vim: HeadlessProcess
  let cluster: string
  let proxyUrl: string
  let holder: string

  beforeAll(async () => {
    const env = testEnv({ ACS_TOKEN: TOKEN })
    writeFileSync(join(env.ACS_DATA_DIR, 'settings.json'), JSON.stringify(settings))
    cluster = clusterIdOf(env.ACS_DATA_DIR)
    vim = await startHeadless(
      [
        '--lab',
        '2',
        '--lab-prefix',
        'lab',
        '--runtime',
        runtime,
        '--ui-port',
        '0',
        '--proxy-port',
        '0',
      ].concat(['--hub-port', '0']),
      env,
    )
    const s = await clusterWhere(
      vim,
      'both VMs joined and one ready replica',
      (c) =>
        ['lab-1', 'lab-2'].every((vm) => c.vms.find((v) => v.name === vm)?.agent) &&
        readyOn(c, 'lab-1') + readyOn(c, 'lab-2') === 1 &&
        c.vms.every((v) => v.containers.every((x) => x.state === 'ready')),
      90_000,
    )
    proxyUrl = s.proxyUrl as string
    holder = readyOn(s, 'lab-1') === 1 ? 'lab-1' : 'lab-2'
  }, 120_000)

  afterAll(async () => {
    await vim?.stop()
    if (dockerAvailable) {
      await removeContainersOf(undefined, cluster)
      await removeClusterImages(cluster)
    }
  })

  it('stops the VM holding the only replica without a failed request, after the replica moved', async () => {
    const other = holder === 'lab-1' ? 'lab-2' : 'lab-1'
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
        (c) => c.vms.find((v) => v.name === holder)?.status === 'stopped' && readyOn(c, other) === 1,
        75_000,
      ).catch(async (error: Error) => {
        throw new Error(`${error.message}\n${await eventLog(vim, loadStartedAt)}`)
      })
      await keepLoading(3000)
    } finally {
      records = await traffic.stop()
    }
    expect(records.length).toBeGreaterThan(RATE * 5)
    const log = await eventLog(vim, loadStartedAt)
    expect(
      summarizeLoad(records).failedByKind,
      `${failureDigest(records, loadStartedAt).join('\n')}\n${log}`,
    ).toEqual({})
    const served = new Set(records.map((r) => r.servedBy?.split('/')[0]))
    expect([...served].sort()).toEqual(['lab-1', 'lab-2'])
    expect(log).toContain(`${holder}: stopping after its 1 replica moved to ${other}`)
  }, 150_000)
})
