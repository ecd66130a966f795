// Swarm mode end to end: a Swarm of the VIM's Docker Engine and two lab hosts (each its own engine in its
// own network namespace), driven only through the control API. The service scales up under an open-loop
// load with answers from more than one node, a stopped node is drained without one failed request, the
// service scales back, and Swarm mode off leaves every engine outside any Swarm.
import { randomInt } from 'node:crypto'
import Docker from 'dockerode'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OpenLoopLoad, type RequestRecord } from '../../bench/chaos/open-loop'
import type { ClusterSnapshot } from '../../src/shared/domain/cluster'
import type { SwarmStatus } from '../../src/shared/domain/swarm'
import { waitFor } from '../../src/shared/testing/poll'
import { shouldRunDocker } from '../support/docker'
import { clusterIdOf, type HeadlessProcess, startHeadless, testEnv } from '../support/headless-process'
import { type Lab, labAvailable, startLab } from '../support/lab-hosts'
import { clusterWhere, eventLog, expectNoFailure, vimApi } from '../support/lab-vim'
import { shouldRun } from '../support/services'

const TOKEN = 'swarm-mode-test-token'
const lab = labAvailable()
const SETTINGS = {
  scaling: {
    placement: 'spread',
    policy: {
      minReplicas: 1,
      maxReplicas: 4,
      targetUtilization: 0.5,
      metricWindowSeconds: 3,
      readinessDelaySeconds: 2,
      scaleUp: { stabilizationSeconds: 0, maxPercent: 100, maxReplicas: 2, periodSeconds: 2 },
      scaleDown: { stabilizationSeconds: 5, maxPercent: 100, maxReplicas: 2, periodSeconds: 2 },
      steadiness: { scaleDownAfterUpSeconds: 0, burstStabilizationSeconds: 5 },
    },
  },
}

const swarmTasks = (s: ClusterSnapshot, state = 'ready') =>
  s.vms
    .filter((vm) => vm.provider === 'swarm')
    .flatMap((vm) => vm.containers.filter((c) => c.state === state))
const servingNodes = (records: readonly RequestRecord[]) =>
  new Set(records.filter((r) => r.status === 200 && r.servedBy).map((r) => r.servedBy!.split('/')[0]))

async function swarmState(docker: Docker): Promise<string> {
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string } }
  return info.Swarm?.LocalNodeState ?? 'unknown'
}

const run = shouldRun('ssh', lab.ok, lab.ok ? '' : lab.reason) && shouldRunDocker()

describe.runIf(run)('Swarm mode', () => {
  let hosts: Lab
  let vim: HeadlessProcess
  let cluster: string
  const engines: { name: string; docker: Docker }[] = [{ name: 'the VIM engine', docker: new Docker() }]

  beforeAll(async () => {
    // The machine's engine must not be in a Swarm already: this test makes (and leaves) its own.
    expect(await swarmState(engines[0]!.docker)).toBe('inactive')
    hosts = await startLab({ hosts: 2 })
    for (const host of hosts.hosts)
      engines.push({ name: host.name, docker: new Docker({ socketPath: host.dockerSocket as string }) })
    const env = testEnv({ ACS_TOKEN: TOKEN })
    const { writeFileSync } = await import('node:fs')
    writeFileSync(`${env.ACS_DATA_DIR}/settings.json`, JSON.stringify(SETTINGS))
    cluster = clusterIdOf(env.ACS_DATA_DIR)
    vim = await startHeadless(['--lab', '0', '--ui-port', '0', '--proxy-port', '0', '--hub-port', '0'], env)
  }, 120_000)

  afterAll(async () => {
    await vim?.stop()
    // Only if the test failed half-way: the VIM leaves its Swarm on stop; a Swarm left behind is this test's.
    const own = engines[0]!.docker
    if ((await swarmState(own).catch(() => 'inactive')) !== 'inactive') {
      const swarm = (await own.swarmInspect().catch(() => undefined)) as
        | { Spec?: { Labels?: Record<string, string> } }
        | undefined
      if (swarm?.Spec?.Labels?.['acs.swarm-owner'] === `auto-cloud-scaler/${cluster}`)
        await own.swarmLeave({ force: true }).catch(() => {})
    }
    await hosts?.stop()
  }, 120_000)

  it('scales a Swarm service across nodes, drains a stopped node without a failed request, and leaves no Swarm', async () => {
    const portBase = 20_000 + 1000 * randomInt(0, 10)
    const on = await vimApi<SwarmStatus>(vim, '/swarm', {
      method: 'POST',
      body: JSON.stringify({ advertiseAddress: hosts.gateway, portBase, tasksPerNode: 2 }),
    })
    expect(on.mode).toBe('owned')
    for (const host of hosts.hosts) {
      await vimApi(vim, '/vms', {
        method: 'POST',
        body: JSON.stringify({
          provider: 'swarm',
          address: host.address,
          user: hosts.users.admin.user,
          auth: 'key',
          keyPath: hosts.users.admin.keyFile,
        }),
      })
    }
    const started = await clusterWhere(
      vim,
      'three Swarm nodes and one ready task',
      (s) =>
        s.vms.filter((vm) => vm.provider === 'swarm' && vm.status === 'ready').length === 3 &&
        swarmTasks(s).length === 1,
      60_000,
    )
    const since = Date.now()
    const load = new OpenLoopLoad({ url: started.proxyUrl as string, rate: 25, maxSeconds: 90 })
    try {
      // Scale up: the policy asks for more tasks and Swarm spreads them; answers come from several nodes.
      await waitFor(
        'three ready tasks and answers from two nodes',
        async () => {
          const s = await vimApi<ClusterSnapshot>(vim, '/cluster')
          return swarmTasks(s).length >= 3 && servingNodes(load.log).size >= 2 ? s : undefined
        },
        60_000,
      )
      // Stop a lab node that runs tasks: it is paused, its tasks are replaced, it leaves the rotation, drains.
      const busy = await vimApi<ClusterSnapshot>(vim, '/cluster')
      const victim = busy.vms.find(
        (vm) =>
          vm.provider === 'swarm' &&
          vm.containers.some((c) => c.state === 'ready') &&
          hosts.hosts.some((h) => h.name === vm.name),
      )
      expect(victim, JSON.stringify(busy.vms.map((vm) => [vm.name, vm.containers.length]))).toBeDefined()
      // What clients notice of a stop: the tasks taking requests never fewer than before it (make before break).
      const serving = async () =>
        (await vimApi<{ backends: { weight: number }[] }>(vim, '/proxy')).backends.filter((b) => b.weight > 0)
          .length
      const before = await serving()
      let fewest = before
      let sampling = true
      const sampler = (async () => {
        while (sampling) {
          fewest = Math.min(fewest, await serving())
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
      })()
      const stopped = await vimApi<{ ok: boolean }>(vim, `/vms/${victim!.name}/stop`, {
        method: 'POST',
        body: '{}',
      }).finally(() => (sampling = false))
      await sampler
      expect(
        fewest,
        `tasks in the rotation: ${before} before the stop, ${fewest} at the fewest`,
      ).toBeGreaterThanOrEqual(before)
      expect(stopped.ok).toBe(true)
      const after = await clusterWhere(vim, `${victim!.name} stopped with no task`, (s) => {
        const vm = s.vms.find((v) => v.name === victim!.name)
        return vm?.status === 'stopped' || (vm !== undefined && vm.containers.length === 0)
      })
      expect(swarmTasks(after).length).toBeGreaterThanOrEqual(1)
      await new Promise((resolve) => setTimeout(resolve, 3000))
    } finally {
      await load.stop()
    }
    const records = await load.done
    const log = await eventLog(vim, since)
    expectNoFailure(records, 25, since, log)
    // Make before break, in this order: paused, replaced and out of the rotation, then drained.
    const steps = ['paused (', 'out of the rotation (', ': drained ('].map((step) => log.indexOf(step))
    expect(
      steps.every((at, i) => at >= 0 && (i === 0 || at > steps[i - 1]!)),
      log,
    ).toBe(true)
    expect(servingNodes(records).size).toBeGreaterThanOrEqual(2)

    // Scale back: with no load the policy returns to its minimum.
    await clusterWhere(
      vim,
      'back to one task',
      (s) => swarmTasks(s).length === 1 && swarmTasks(s, 'draining').length === 0,
      60_000,
    )
    const events = await vimApi<{ kind: string; message: string; detail?: { action?: string } }[]>(
      vim,
      '/events?kinds=scaling',
    )
    expect(events.some((e) => e.detail?.action === 'scale-up')).toBe(true)
    expect(events.some((e) => e.detail?.action === 'scale-down')).toBe(true)

    // Swarm mode off: the service goes and every engine is out of the Swarm.
    const off = await vimApi<SwarmStatus>(vim, '/swarm', { method: 'DELETE' })
    expect(off).toMatchObject({ mode: 'off', problem: null })
    for (const engine of engines) {
      expect(await swarmState(engine.docker), engine.name).toBe('inactive')
      // Task containers go a moment after their service; none may stay behind on any engine.
      await waitFor(
        `no task container left on ${engine.name}`,
        async () => {
          const left = await engine.docker.listContainers({
            all: true,
            filters: { label: [`acs.cluster=${cluster}`] },
          })
          return left.length === 0 ? true : undefined
        },
        20_000,
      )
    }
  }, 240_000)
})
