import { describe, expect, it } from 'vitest'
import type { ClusterSnapshot, ContainerState } from '../../src/shared/domain/cluster'
import { countContainers, type DockerContainer } from './census'

const vm = (name: string, target: number, containers: [string, ContainerState][]) => ({
  name,
  status: 'ready' as const,
  provider: 'lab' as const,
  address: '',
  capacity: { containers: 4 },
  containers: containers.map(([id, state]) => ({
    id,
    name: `acs-${id}`,
    state,
    cpuPercent: 0,
    memoryBytes: 0,
    inFlight: 0,
    requestRate: 0,
    latencyMsP95: null,
    unhealthyReason: null,
  })),
  target,
  cpuPercent: 0,
  requestRate: 0,
  agent: null,
  login: null,
  agentKey: null,
  unhealthyReason: null,
})
const snapshot = (...vms: ReturnType<typeof vm>[]): ClusterSnapshot => ({ at: 0, vms, proxyUrl: null })
const inDocker = (id: string, state = 'running', vmName = 'lab-1'): DockerContainer => ({
  id,
  vm: vmName,
  state,
})

describe('countContainers', () => {
  it('counts a cluster at its target as nothing lost, duplicated or orphaned', () => {
    const count = countContainers(
      snapshot(vm('lab-1', 1, [['a', 'ready']]), vm('lab-2', 1, [['b', 'ready']])),
      [inDocker('a'), inDocker('b', 'running', 'lab-2')],
      2,
    )
    expect(count).toEqual({
      serving: 2,
      lost: 0,
      duplicated: 0,
      orphaned: 0,
      perVm: ['lab-1 1/1', 'lab-2 1/1'],
    })
  })

  it('does not count a paused container as serving, even when the API calls it ready', () => {
    const count = countContainers(
      snapshot(vm('lab-1', 1, [['a', 'ready']]), vm('lab-2', 1, [['b', 'ready']])),
      [inDocker('a', 'paused'), inDocker('b', 'running', 'lab-2')],
      2,
    )
    expect(count).toMatchObject({ serving: 1, lost: 1, orphaned: 0 })
  })

  it('counts live replicas beyond a VM target as duplicated, and containers no VM lists as orphaned', () => {
    const count = countContainers(
      snapshot(
        vm('lab-1', 0, []),
        vm('lab-2', 2, [
          ['b', 'ready'],
          ['c', 'ready'],
          ['d', 'starting'],
        ]),
      ),
      [inDocker('a'), inDocker('b'), inDocker('c'), inDocker('d'), inDocker('old', 'exited')],
      2,
    )
    expect(count).toMatchObject({ serving: 2, lost: 0, duplicated: 1, orphaned: 1 })
  })
})
