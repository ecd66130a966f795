// The local lab as the VIM runs it, before any hub exists: two real standalone agents from the bundle,
// with plain processes and (when an engine answers) Docker. Both serve; stopping one removes its
// containers while the other keeps serving; close() leaves no process and no container behind.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error: plain .mjs scripts without type declarations
import { ensureAgentBuild } from '../../scripts/build-agent.mjs'
import { LabProvider, type LabProviderVm } from '../../src/main/providers/lab/lab-provider'
import type { LabLogEntry } from '../../src/main/providers/lab/lab-vm'
import type { AgentStatus } from '../../vmm-agent/status'
import { readyCount, waitFor } from '../support/agent-process'
import { containersOf, removeContainersOf, shouldRunDocker, TEST_CLUSTER_ID } from '../support/docker'

async function statusOf(vm: LabProviderVm): Promise<AgentStatus> {
  return (await (await fetch(`http://${vm.address}/_agent/status`)).json()) as AgentStatus
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The process runtime's replica ids are `proc-<pid>`. */
const replicaPids = (status: AgentStatus) =>
  status.replicas.map((r) => Number(/^proc-(\d+)$/.exec(r.id)?.[1])).filter((pid) => pid > 0)

function labScenario(runtime: 'process' | 'auto', expected: 'process' | 'docker'): void {
  // A name of its own: Docker labels containers with the VM name, and a running app may own lab-1.
  const prefix = `labtest-${randomBytes(3).toString('hex')}`
  const names = [`${prefix}-1`, `${prefix}-2`]
  const logs: LabLogEntry[] = []
  const exits: string[] = []
  let lab: LabProvider
  let vms: LabProviderVm[] = []
  const statuses = new Map<string, AgentStatus>()

  beforeAll(async () => {
    lab = await LabProvider.open({
      agentBundle: await ensureAgentBuild(),
      runtime,
      initialVms: 2,
      capacity: 2,
      cpusPerContainer: 0.1,
      memoryPerContainer: '64m',
      namePrefix: prefix,
      cluster: TEST_CLUSTER_ID,
      log: (entry) => logs.push(entry),
      onAgentExit: (exit) => exits.push(exit.reason),
    })
  })

  afterAll(async () => {
    await lab?.close()
    if (expected === 'docker') for (const name of names) await removeContainersOf(name)
  })

  it('starts two agents that each come up with a ready container and serve', async () => {
    vms = await waitFor(
      'both lab agents running',
      async () => {
        const list = await lab.list()
        return list.every((vm) => vm.state === 'running' && vm.address) ? list : undefined
      },
      90_000,
    )
    expect(vms.map((vm) => vm.name)).toEqual(names)
    expect(logs.find((l) => l.vm === undefined)?.text).toMatch(new RegExp(`^lab: ${expected} runtime: `))
    for (const vm of vms) {
      expect(vm).toMatchObject({ provider: 'lab', capacity: 2, runtime: expected })
      expect(vm.address).toMatch(/^127\.0\.0\.1:\d+$/)
      const status = await waitFor(
        `a ready container on ${vm.name}`,
        async () => {
          const s = await statusOf(vm)
          return readyCount(s) >= 1 ? s : undefined
        },
        90_000,
      )
      expect(status).toMatchObject({ name: vm.name, runtime: expected, mode: 'standalone', capacity: 2 })
      statuses.set(vm.name, status)
      const response = await fetch(`http://${vm.address}/`)
      expect(response.status).toBe(200)
      expect(response.headers.get('x-served-by')).toMatch(new RegExp(`^${vm.name}/`))
      if (expected === 'docker') expect((await containersOf(vm.name)).length).toBeGreaterThanOrEqual(1)
    }
    expect(logs.some((l) => l.vm === names[0] && l.text.startsWith(`${names[0]}: `))).toBe(true)
  })

  it('stop() of one VM ends its agent and its containers; the other keeps serving', async () => {
    const [first, second] = vms as [LabProviderVm, LabProviderVm]
    const replicas = replicaPids(statuses.get(first.name) as AgentStatus)
    await lab.stop(first.name)

    const [stopped] = await lab.list()
    expect(stopped).toMatchObject({ name: first.name, state: 'stopped' })
    expect(stopped?.address).toBeUndefined()
    expect(alive(first.pid as number)).toBe(false)
    expect(replicas.filter(alive)).toEqual([])
    if (expected === 'docker') expect(await containersOf(first.name)).toEqual([])
    expect(logs.map((l) => l.text)).toContain(`${first.name}: SIGTERM: stopping; removing the containers`)

    expect(readyCount(await statusOf(second))).toBeGreaterThanOrEqual(1)
    expect((await fetch(`http://${second.address}/`)).status).toBe(200)
    expect(exits).toEqual([])
  })

  it('close() leaves no agent, no replica process and no container behind', async () => {
    const second = vms[1] as LabProviderVm
    const replicas = replicaPids(await statusOf(second))
    await lab.close()
    expect((await lab.list()).map((vm) => vm.state)).toEqual(['stopped', 'stopped'])
    expect(vms.map((vm) => vm.pid as number).filter(alive)).toEqual([])
    expect(replicas.filter(alive)).toEqual([])
    if (expected === 'docker') {
      for (const name of names) expect(await containersOf(name)).toEqual([])
    }
    expect(exits).toEqual([])
  })
}

describe('the local lab with the process runtime', () => {
  labScenario('process', 'process')
})

describe.runIf(shouldRunDocker())('the local lab with Docker (runtime auto)', () => {
  labScenario('auto', 'docker')
})
