// What the store shows of health: containers failing their agent's checks, VMs failing the front's.
import { describe, expect, it } from 'vitest'
import { PROTOCOL_VERSION, parseAgentMessage, type ReportMessage } from '../../shared/protocol/messages'
import { ClusterStore, readyContainers } from './cluster-store'

function reportOf(containers: { id: string; healthy: boolean; unhealthyReason?: string }[]): ReportMessage {
  return {
    type: 'report',
    v: PROTOCOL_VERSION,
    seq: 1,
    at: 1,
    vm: { cpuPercent: 0, memoryBytes: 0, replicas: containers.length, readyReplicas: 0 },
    containers: containers.map((c) => ({
      id: c.id,
      name: `acs-${c.id}`,
      state: 'ready',
      cpuPercent: 0,
      memoryBytes: 0,
      inFlight: 0,
      requestRate: 0,
      latencyMsP50: null,
      latencyMsP95: null,
      healthy: c.healthy,
      ...(c.unhealthyReason !== undefined && { unhealthyReason: c.unhealthyReason }),
      startedAt: 1,
      readyAt: 1,
    })),
    recommendation: { replicas: 2, reason: 'x' },
    target: 2,
    mode: 'following',
  }
}

function storeWithVm() {
  const store = new ClusterStore()
  store.agentConnected({
    name: 'lab-1',
    provider: 'lab',
    capacity: 4,
    address: '127.0.0.1:18100',
    version: '1',
    runtime: 'docker',
    connectedAt: 1,
    target: 2,
  })
  return store
}

describe('ClusterStore health', () => {
  it('shows a ready container that fails its health checks as unhealthy, with the reason, and not ready', () => {
    const store = storeWithVm()
    const reason = 'GET /healthz timed out after 1 s'
    store.applyReport(
      'lab-1',
      reportOf([
        { id: 'a', healthy: true },
        { id: 'b', healthy: false, unhealthyReason: reason },
      ]),
      10,
    )
    const vm = store.snapshot().vms[0]!
    expect(vm.containers.map((c) => [c.id, c.state, c.unhealthyReason])).toEqual([
      ['a', 'ready', null],
      ['b', 'unhealthy', reason],
    ])
    expect(readyContainers(store.vm('lab-1')!)).toBe(1)
  })

  it('shows a VM the front proxy declared unhealthy, with the reason, until it passes again', () => {
    const store = storeWithVm()
    store.applyReport('lab-1', reportOf([{ id: 'a', healthy: true }]), 10)
    store.setVmHealth('lab-1', 'GET /_agent/healthz timed out after 1 s')
    expect(store.snapshot().vms[0]).toMatchObject({
      status: 'unhealthy',
      unhealthyReason: 'GET /_agent/healthz timed out after 1 s',
    })
    store.setVmHealth('lab-1', null)
    expect(store.snapshot().vms[0]).toMatchObject({ status: 'ready', unhealthyReason: null })
  })

  it('reads reports of agents from before health checks (no unhealthyReason) and refuses the VIM-only state', () => {
    const old = reportOf([{ id: 'a', healthy: true }])
    expect(parseAgentMessage(JSON.stringify(old)).ok).toBe(true)
    const forged = { ...old, containers: [{ ...old.containers[0], state: 'unhealthy' }] }
    expect(parseAgentMessage(JSON.stringify(forged)).ok).toBe(false)
  })
})
