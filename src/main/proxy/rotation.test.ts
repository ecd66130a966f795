import { describe, expect, it, vi } from 'vitest'
import { PROTOCOL_VERSION, type ReportMessage } from '../../shared/protocol/messages'
import { ClusterStore } from '../cluster/cluster-store'
import type { FrontBackend } from './front-proxy'
import { followCluster } from './rotation'

function connect(store: ClusterStore, name: string, port: number): void {
  store.agentConnected({
    name,
    provider: 'ssh',
    capacity: 8,
    address: `127.0.0.1:${port}`,
    version: '0.1.0',
    runtime: 'docker',
    connectedAt: 1,
    target: 2,
  })
}

function report(name: string, states: ('ready' | 'starting')[], cpu = 20): ReportMessage {
  return {
    type: 'report',
    v: PROTOCOL_VERSION,
    seq: 1,
    at: 0,
    vm: { cpuPercent: cpu, memoryBytes: 1, replicas: states.length, readyReplicas: 0 },
    containers: states.map((state, i) => ({
      id: `${name}-${i}`,
      name: `web-${i}`,
      state,
      cpuPercent: cpu,
      memoryBytes: 1000,
      inFlight: 0,
      requestRate: 0,
      latencyMsP50: null,
      latencyMsP95: null,
      healthy: true,
    })),
    recommendation: null,
    target: states.length,
    mode: 'following',
  } as unknown as ReportMessage
}

const brief = (backends: readonly FrontBackend[]) =>
  backends.map((b) => `${b.vmId}@${b.address.port}#${b.readyContainers}${b.draining ? '-' : ''}`)

describe('followCluster', () => {
  it('re-syncs the proxy only when a VM enters, leaves or changes its place in the rotation', () => {
    const store = new ClusterStore()
    const syncs: string[][] = []
    const counts: number[] = []
    const stop = followCluster(store, { syncBackends: (b) => syncs.push(brief(b)) }, (n) => counts.push(n))
    expect(syncs).toEqual([[]])
    // No change lists (and sorts) every VM: with 1,000 VMs that was most of a core at 1 Hz reports.
    const listings = vi.spyOn(store, 'vms')

    connect(store, 'vm-10', 20010)
    connect(store, 'vm-2', 20002)
    store.applyReport('vm-2', report('vm-2', ['ready', 'starting']), 1)
    // Reports that change only metrics leave the rotation alone.
    for (let cpu = 0; cpu < 50; cpu++)
      store.applyReport('vm-2', report('vm-2', ['ready', 'starting'], cpu), 2)
    store.setTarget('vm-2', 5)
    store.applyReport('vm-2', report('vm-2', ['ready', 'ready']), 3)
    store.setDraining('vm-2', true)
    store.setAddress('vm-10', '127.0.0.1:20011')
    store.agentDisconnected('vm-2')
    stop()
    store.agentDisconnected('vm-10')

    expect(syncs).toEqual([
      [],
      ['vm-10@20010#0'],
      ['vm-2@20002#0', 'vm-10@20010#0'],
      ['vm-2@20002#1', 'vm-10@20010#0'],
      ['vm-2@20002#2', 'vm-10@20010#0'],
      ['vm-2@20002#2-', 'vm-10@20010#0'],
      ['vm-2@20002#2-', 'vm-10@20011#0'],
      ['vm-10@20011#0'],
    ])
    expect(counts).toEqual([0, 0, 0, 1, 1, 0, 0, 0])
    expect(listings).not.toHaveBeenCalled()
  })
})

describe('a VM without an agent whose containers the front reaches directly (a Swarm node)', () => {
  const task = (id: string, state: 'ready' | 'starting', port: number) => ({
    id,
    name: `acs-workload-c1.${port - 30000}.${id}`,
    state,
    cpuPercent: 10,
    memoryBytes: 1,
    inFlight: 0,
    requestRate: 0,
    latencyMsP95: null,
    unhealthyReason: null,
    route: { backendId: `h1/${id}`, host: '10.231.4.11', port, healthPath: '/healthz' },
  })

  it('puts each ready task in the rotation with its own health path, and drains them with the node', () => {
    const store = new ClusterStore()
    const synced: FrontBackend[][] = []
    followCluster(store, { syncBackends: (b) => synced.push([...b]) })
    store.providerVm({ name: 'h1', provider: 'swarm', state: 'running', capacity: 2 })
    const up = { version: 'Docker 27 (Swarm worker)', since: 1 }
    store.observeVm(
      'h1',
      {
        capacity: 2,
        address: '10.231.4.11',
        up,
        containers: [task('a', 'ready', 30001), task('b', 'starting', 30002)],
      },
      10,
    )
    expect(synced.at(-1)).toEqual([
      {
        vmId: 'h1/a',
        address: { host: '10.231.4.11', port: 30001 },
        readyContainers: 1,
        draining: false,
        healthPath: '/healthz',
      },
    ])
    store.observeVm(
      'h1',
      {
        capacity: 2,
        address: '10.231.4.11',
        up,
        containers: [task('a', 'ready', 30001), task('b', 'ready', 30002)],
      },
      11,
    )
    expect(brief(synced.at(-1)!)).toEqual(['h1/a@30001#1', 'h1/b@30002#1'])
    store.setDraining('h1', true)
    expect(brief(synced.at(-1)!)).toEqual(['h1/a@30001#1-', 'h1/b@30002#1-'])
    store.observeVm('h1', { capacity: 2, address: '10.231.4.11', up: null, containers: [] }, 12)
    expect(synced.at(-1)).toEqual([])
  })
})
