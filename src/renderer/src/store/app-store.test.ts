import { describe, expect, it } from 'vitest'
import type { ClusterSnapshot, VmInfo } from '../../../shared/domain/cluster'
import { clusterDelta } from '../../../shared/domain/cluster-delta'
import { createAppStore } from './app-store'

const vm = (name: string, target: number): VmInfo => ({
  name,
  status: 'ready',
  provider: 'lab',
  address: '127.0.0.1:20000',
  capacity: { containers: 4 },
  containers: [],
  target,
  cpuPercent: 0,
  requestRate: 0,
  agent: null,
  login: null,
  agentKey: null,
  unhealthyReason: null,
})
const snapshot = (at: number, vms: VmInfo[]): ClusterSnapshot => ({ at, vms, proxyUrl: null })

describe('the cluster in the renderer store', () => {
  it('applies a delta to the snapshot it was built against, and waits for a full one otherwise', () => {
    const store = createAppStore()
    const first = snapshot(1, [vm('lab-1', 1)])
    const second = snapshot(2, [vm('lab-1', 2), vm('lab-2', 1)])
    const third = snapshot(3, [vm('lab-2', 3)])

    // No snapshot yet: a delta has nothing to apply to.
    store.getState().applyEvent({ name: 'cluster:delta', data: clusterDelta(first, second) })
    expect(store.getState().cluster).toBeUndefined()

    store.getState().applyEvent({ name: 'cluster:snapshot', data: first })
    store.getState().applyEvent({ name: 'cluster:delta', data: clusterDelta(first, second) })
    expect(store.getState().cluster).toEqual(second)
    // A delta against a snapshot the store does not hold (one was missed) is not applied.
    store.getState().applyEvent({ name: 'cluster:delta', data: clusterDelta(first, third) })
    expect(store.getState().cluster).toEqual(second)
    store.getState().applyEvent({ name: 'cluster:delta', data: clusterDelta(second, third) })
    expect(store.getState().cluster).toEqual(third)
  })
})
