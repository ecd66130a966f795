// Small builders for the core's data, with the defaults a test does not care about.
import type { ClusterSnapshot, ContainerInfo, VmInfo } from '../../../shared/domain/cluster'
import type { ClusterEvent } from '../../../shared/domain/events'
import { VimSettings } from '../../../shared/domain/settings'

export function container(overrides: Partial<ContainerInfo> & { name: string }): ContainerInfo {
  return {
    id: overrides.name,
    state: 'ready',
    cpuPercent: 0,
    memoryBytes: 64 * 2 ** 20,
    inFlight: 0,
    requestRate: 0,
    latencyMsP95: null,
    unhealthyReason: null,
    ...overrides,
  }
}

export function vm(overrides: Partial<VmInfo> & { name: string }): VmInfo {
  return {
    status: 'ready',
    provider: 'lab',
    address: '127.0.0.1:18100',
    capacity: { containers: 4 },
    containers: [],
    target: 0,
    cpuPercent: 0,
    requestRate: 0,
    agent: { version: '0.1.0', runtime: 'docker', mode: 'following', connectedAt: 0, recommendation: null },
    login: null,
    unhealthyReason: null,
    agentKey: null,
    ...overrides,
  }
}

export function snapshot(vms: VmInfo[], at = Date.UTC(2025, 0, 1, 12)): ClusterSnapshot {
  return { at, vms, proxyUrl: 'http://127.0.0.1:18080' }
}

export function clusterEvent(overrides: Partial<ClusterEvent> & { id: number }): ClusterEvent {
  return {
    at: Date.UTC(2025, 0, 1, 12, 0, overrides.id),
    kind: 'scaling',
    message: `event ${overrides.id}`,
    ...overrides,
  }
}

/** The settings a fresh VIM starts with; a copy, since zod hands out its default objects themselves. */
export const defaultSettings = (): VimSettings => structuredClone(VimSettings.parse({}))
