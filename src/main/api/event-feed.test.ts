import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ApiEvent } from '../../shared/api/contract'
import type { ClusterSnapshot } from '../../shared/domain/cluster'
import { applyClusterDelta } from '../../shared/domain/cluster-delta'
import { PROTOCOL_VERSION, type ReportMessage } from '../../shared/protocol/messages'
import { ClusterStore } from '../cluster/cluster-store'
import { openEventFeed } from './event-feed'

const vm = (id: string) => ({
  id,
  name: id,
  provider: 'lab' as const,
  state: 'running' as const,
  capacity: 4,
})

describe('openEventFeed', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('sends the snapshot at once, then at most one per interval, always the latest', () => {
    const store = new ClusterStore()
    const sent: ApiEvent[] = []
    const close = openEventFeed({ store }, (event) => sent.push(event), 250)
    expect(sent).toHaveLength(1)

    for (let i = 0; i < 100; i++) store.providerVm(vm(`vm-${i}`))
    expect(sent).toHaveLength(1)
    vi.advanceTimersByTime(250)
    expect(sent).toHaveLength(2)
    const second = sent[1]
    expect(second?.name === 'cluster:delta' && second.data.vms).toHaveLength(100)

    close()
    store.removeVm('vm-0')
    vi.advanceTimersByTime(1000)
    expect(sent).toHaveLength(2)
  })

  it('sends only what changed between full snapshots, and a client applying it holds the store', () => {
    const store = new ClusterStore()
    for (let i = 1; i <= 20; i++) connect(store, `vm-${i}`)
    const sent: ApiEvent[] = []
    let client: ClusterSnapshot | undefined
    const close = openEventFeed(
      { store },
      (event) => {
        // Through JSON, as every transport carries it.
        const received = JSON.parse(JSON.stringify(event)) as ApiEvent
        sent.push(received)
        if (received.name === 'cluster:snapshot') client = received.data
        if (received.name === 'cluster:delta') client = client && applyClusterDelta(client, received.data)
      },
      250,
      10_000,
    )
    expect(sent.map((e) => e.name)).toEqual(['cluster:snapshot'])

    for (let second = 1; second <= 12; second++) {
      store.applyReport('vm-3', report(second, [10 + second, 20]), Date.now())
      if (second === 4) store.removeVm('vm-7')
      if (second === 6) connect(store, 'vm-21')
      if (second === 8) store.setTarget('vm-5', 4)
      vi.advanceTimersByTime(1000)
      expect(client, `second ${second}`).toEqual(store.snapshot(client?.at))
    }
    const names = sent.map((e) => e.name)
    // Reports at 1 Hz: a delta each second, and a full snapshot again once 10 s have passed.
    expect(names.filter((n) => n === 'cluster:snapshot')).toHaveLength(2)
    expect(names.filter((n) => n === 'cluster:delta')).toHaveLength(11)
    const deltas = sent.flatMap((e) => (e.name === 'cluster:delta' ? [e.data] : []))
    // The first report brings both containers; after it, only vm-3's changed one goes out, with its CPU and the VM's mean.
    expect(deltas[0]?.vms[0]?.containers?.set?.map((c) => c.id)).toEqual(['vm-3-a', 'vm-3-b'])
    expect(deltas[1]?.vms).toEqual([
      { name: 'vm-3', cpuPercent: 16, containers: { set: [{ id: 'vm-3-a', cpuPercent: 12 }] } },
    ])
    expect(deltas[3]?.removed).toEqual(['vm-7'])
    close()
  })

  it('says nothing when a change leaves what the UI shows as it was', () => {
    const store = new ClusterStore()
    connect(store, 'vm-1')
    store.applyReport('vm-1', report(1, [10]), Date.now())
    const sent: ApiEvent[] = []
    const close = openEventFeed({ store }, (event) => sent.push(event), 250)
    store.applyReport('vm-1', report(2, [10]), Date.now())
    vi.advanceTimersByTime(1000)
    expect(sent.map((e) => e.name)).toEqual(['cluster:snapshot'])
    close()
  })
})

function connect(store: ClusterStore, name: string): void {
  store.agentConnected({
    name,
    provider: 'ssh',
    capacity: 8,
    address: '127.0.0.1:20000',
    version: '0.1.0',
    runtime: 'docker',
    connectedAt: 1,
    target: 2,
  })
}

function report(seq: number, cpus: number[]): ReportMessage {
  return {
    type: 'report',
    v: PROTOCOL_VERSION,
    seq,
    at: Date.now(),
    vm: { cpuPercent: 10, memoryBytes: 1, replicas: cpus.length, readyReplicas: cpus.length },
    containers: cpus.map((cpuPercent, i) => ({
      id: `vm-3-${'ab'[i]}`,
      name: `web-${i}`,
      state: 'ready' as const,
      cpuPercent,
      memoryBytes: 1000,
      inFlight: 0,
      requestRate: 0,
      latencyMsP50: null,
      latencyMsP95: null,
      healthy: true,
    })),
    recommendation: { replicas: cpus.length, reason: 'steady' },
    target: 2,
    mode: 'following',
  } as ReportMessage
}
