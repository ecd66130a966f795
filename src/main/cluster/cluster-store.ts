// The VIM's view of the cluster: one record per VM, merged from its provider (power state) and its
// agent (session and 1 Hz reports). Everything the UI, the proxy and the autoscaler read comes from here.
import type {
  ClusterSnapshot,
  ContainerInfo,
  ProviderKind,
  ProviderVmState,
  VmAgentInfo,
  VmAgentKeyInfo,
  VmInfo,
  VmStatus,
} from '../../shared/domain/cluster'
import type { SshLoginInfo } from '../../shared/domain/provision'
import { compareNames } from '../../shared/names'
import { UtilizationWindow } from '../../shared/policy/utilization-window'
import type { ReportMessage } from '../../shared/protocol/messages'
import { type Departure, departureReason } from '../../shared/scaler/plan-departure'

export interface ContainerRecord extends ContainerInfo {
  /** When the VIM first saw it ready, on the VIM's clock (agents' clocks may differ). */
  readySinceMs: number | undefined
  window: UtilizationWindow
  /** Where the front proxy reaches it directly (a Swarm task), as backend `backendId`; absent behind an agent. */
  route?: { backendId: string; host: string; port: number; healthPath: string }
}

/** A VM the VIM watches without an agent (a Swarm node): what its engine says, once a second. */
export interface VmObservation {
  capacity: number
  address: string
  /** Connected as far as the VIM can tell (the node is up); shown like an agent's session. */
  up: { version: string; since: number } | null
  containers: (Omit<ContainerRecord, 'readySinceMs' | 'window'> & { cpuPercent: number })[]
}

export interface VmRecord {
  /** The VM's one key (the store's, the hub's, the providers' and the API's). */
  name: string
  provider: ProviderKind
  providerState: ProviderVmState | undefined
  capacity: number
  /** The agent load balancer's `host:port`. */
  address: string
  /** The plan's target: what the VM converges to, shown in the UI and fed back to the planner. */
  target: number
  /**
   * The last target the agent took or is being sent. It trails `target` while the apply step holds a
   * decrease (make before break) or drains the VM out of the front rotation first.
   */
  sentTarget: number
  /** Out of the front rotation (weight 0) on its way to 0 replicas: in-flight requests finish. */
  draining: boolean
  /** Stopped or removed by the user: cordoned (no new replica) until it is drained, then it goes. */
  leaving: Departure | null
  agent: VmAgentInfo | null
  containers: Map<string, ContainerRecord>
  lastReportAt: number | undefined
  /** How the VIM logs in to it, for providers that deploy agents over SSH. */
  login: SshLoginInfo | null
  /** When a provider last listed it or its agent last spoke (the VIM's clock). */
  lastSeenAt: number
  /** Why the front proxy's health check of its agent fails; null while it passes. */
  unhealthyReason: string | null
}

export interface AgentArrival {
  name: string
  provider: ProviderKind
  capacity: number
  address: string
  version: string
  runtime: 'docker' | 'process'
  connectedAt: number
  /** The target to start from: the VIM's last one, or what the agent already runs. */
  target: number
}

/** A VM as its provider lists it. */
export interface ListedVm {
  name: string
  provider: ProviderKind
  state: ProviderVmState
  capacity: number
  login?: SshLoginInfo | undefined
}

/**
 * Called after every change with the VM that changed, or with undefined when something shown with every
 * VM changed (the front proxy's URL, the agent keys), so that subscribers redo only what that VM touches.
 */
export type ClusterListener = (vmName: string | undefined) => void

export class ClusterStore {
  private readonly records = new Map<string, VmRecord>()
  private readonly listeners = new Set<ClusterListener>()
  /** Where clients send workload traffic, once the front proxy listens. */
  proxyUrl: string | null = null
  /** The agent key pinned for a VM name (the hub's pins), shown with each VM. */
  agentKeyOf: (vmName: string) => VmAgentKeyInfo | null = () => null

  constructor(
    private readonly metricWindowMs: () => number = () => 5000,
    private readonly now: () => number = Date.now,
  ) {}

  vm(id: string): VmRecord | undefined {
    return this.records.get(id)
  }

  /** How many VMs the store holds (without listing them). */
  get size(): number {
    return this.records.size
  }

  vms(): VmRecord[] {
    return [...this.records.values()].sort((a, b) => compareNames(a.name, b.name))
  }

  snapshot(now = Date.now()): ClusterSnapshot {
    const vms = this.vms().map((record) => this.info(record))
    return { at: now, vms, proxyUrl: this.proxyUrl }
  }

  /** One VM as the snapshot shows it. */
  vmInfo(name: string): VmInfo | undefined {
    const record = this.records.get(name)
    return record && this.info(record)
  }

  private info(record: VmRecord): VmInfo {
    return { ...toVmInfo(record), agentKey: this.agentKeyOf(record.name) }
  }

  /** Something shown with the VMs changed outside the store (an agent key was forgotten). */
  touch(): void {
    this.changed()
  }

  /** A VM as its provider sees it; creates the record for a VM whose agent has not connected yet. */
  providerVm(vm: ListedVm): void {
    const record = this.records.get(vm.name) ?? this.blank(vm.name, vm.provider, vm.capacity)
    record.providerState = vm.state
    record.login = vm.login ?? null
    record.lastSeenAt = this.now()
    if (!record.agent) record.capacity = vm.capacity
    this.records.set(vm.name, record)
    this.changed(vm.name)
  }

  /**
   * Everything one provider lists now: its VMs are updated, and its VMs it no longer lists lose their
   * provider state (they stay while their agent is connected; see `forgettableVms`).
   */
  providerListed(kind: ProviderKind, vms: readonly ListedVm[]): void {
    const listed = new Set(vms.map((vm) => vm.name))
    for (const vm of vms) this.providerVm(vm)
    for (const record of this.records.values()) {
      if (record.provider !== kind || listed.has(record.name) || record.providerState === undefined) continue
      record.providerState = undefined
      record.login = null
      this.changed(record.name)
    }
  }

  agentConnected(arrival: AgentArrival): void {
    const record =
      this.records.get(arrival.name) ?? this.blank(arrival.name, arrival.provider, arrival.capacity)
    record.capacity = arrival.capacity
    record.address = arrival.address
    record.target = arrival.target
    // The welcome carried this target.
    record.sentTarget = arrival.target
    record.draining = false
    record.agent = {
      version: arrival.version,
      runtime: arrival.runtime,
      mode: 'following',
      connectedAt: arrival.connectedAt,
      recommendation: null,
    }
    record.containers.clear()
    record.lastReportAt = undefined
    record.lastSeenAt = this.now()
    record.unhealthyReason = null
    this.records.set(arrival.name, record)
    this.changed(arrival.name)
  }

  applyReport(name: string, report: ReportMessage, receivedAt: number): void {
    const record = this.records.get(name)
    if (!record?.agent) return
    record.agent = { ...record.agent, mode: report.mode, recommendation: report.recommendation }
    record.lastReportAt = receivedAt
    record.lastSeenAt = receivedAt
    const seen = new Set<string>()
    for (const c of report.containers) {
      seen.add(c.id)
      const previous = record.containers.get(c.id)
      const window = previous?.window ?? new UtilizationWindow()
      window.push(receivedAt, c.cpuPercent, this.metricWindowMs())
      // A ready container failing its agent's health checks is shown, and counted, as unhealthy.
      const unhealthy = c.state === 'ready' && !c.healthy
      record.containers.set(c.id, {
        id: c.id,
        name: c.name,
        state: unhealthy ? 'unhealthy' : c.state,
        cpuPercent: c.cpuPercent,
        memoryBytes: c.memoryBytes,
        inFlight: c.inFlight,
        requestRate: c.requestRate,
        latencyMsP95: c.latencyMsP95,
        unhealthyReason: unhealthy ? (c.unhealthyReason ?? 'fails its health check') : null,
        readySinceMs: c.state === 'ready' ? (previous?.readySinceMs ?? receivedAt) : undefined,
        window,
      })
    }
    for (const id of [...record.containers.keys()]) if (!seen.has(id)) record.containers.delete(id)
    this.changed(name)
  }

  /** A VM without an agent (a Swarm node) as its engine shows it; it is listed by its provider too. */
  observeVm(name: string, observed: VmObservation, at: number): void {
    const record = this.records.get(name)
    if (!record) return
    record.capacity = observed.capacity
    record.address = observed.address
    record.agent = observed.up && {
      version: observed.up.version,
      runtime: 'docker',
      mode: 'following',
      connectedAt: observed.up.since,
      recommendation: null,
    }
    record.lastSeenAt = at
    const seen = new Set<string>()
    for (const c of observed.containers) {
      seen.add(c.id)
      const previous = record.containers.get(c.id)
      const window = previous?.window ?? new UtilizationWindow()
      if (c.state === 'ready') window.push(at, c.cpuPercent, this.metricWindowMs())
      const readySinceMs = c.state === 'ready' ? (previous?.readySinceMs ?? at) : undefined
      record.containers.set(c.id, { ...c, readySinceMs, window })
    }
    for (const id of [...record.containers.keys()]) if (!seen.has(id)) record.containers.delete(id)
    this.changed(name)
  }

  /** What the front proxy's health check says of a VM's agent: null when it passes, else why not. */
  setVmHealth(name: string, unhealthyReason: string | null): void {
    const record = this.records.get(name)
    if (!record || record.unhealthyReason === unhealthyReason) return
    record.unhealthyReason = unhealthyReason
    this.changed(name)
  }

  agentDisconnected(name: string): void {
    const record = this.records.get(name)
    if (!record) return
    record.agent = null
    record.draining = false
    record.unhealthyReason = null
    record.containers.clear()
    record.lastSeenAt = this.now()
    this.changed(name)
  }

  setTarget(name: string, target: number): void {
    const record = this.records.get(name)
    if (!record || record.target === target) return
    record.target = target
    this.changed(name)
  }

  /** The target on its way to the agent (or back to the last one it took, when a command failed). */
  setSentTarget(name: string, target: number): void {
    const record = this.records.get(name)
    if (!record || record.sentTarget === target) return
    record.sentTarget = target
    this.changed(name)
  }

  setDraining(name: string, draining: boolean): void {
    const record = this.records.get(name)
    if (!record || record.draining === draining || (draining && !record.agent)) return
    record.draining = draining
    this.changed(name)
  }

  setLeaving(name: string, leaving: Departure | null): void {
    const record = this.records.get(name)
    if (!record || record.leaving === leaving) return
    record.leaving = leaving
    this.changed(name)
  }

  setAddress(name: string, address: string): void {
    const record = this.records.get(name)
    if (!record || record.address === address) return
    record.address = address
    this.changed(name)
  }

  removeVm(name: string): void {
    if (this.records.delete(name)) this.changed(name)
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: ClusterListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private blank(name: string, provider: ProviderKind, capacity: number): VmRecord {
    return {
      name,
      provider,
      providerState: undefined,
      capacity,
      address: '',
      target: 0,
      sentTarget: 0,
      draining: false,
      leaving: null,
      agent: null,
      containers: new Map(),
      lastReportAt: undefined,
      login: null,
      lastSeenAt: this.now(),
      unhealthyReason: null,
    }
  }

  private changed(vmName?: string): void {
    for (const listener of this.listeners) listener(vmName)
  }
}

/**
 * VMs the VIM may forget: no provider lists them, no agent is connected, and nothing was heard of them for
 * `afterMs`. Without this, every agent that once joined and left would stay in the list for good.
 */
export function forgettableVms(records: readonly VmRecord[], now: number, afterMs: number): VmRecord[] {
  return records.filter(
    (record) => !record.agent && record.providerState === undefined && now - record.lastSeenAt >= afterMs,
  )
}

/** What a person reads as the VM's state, from its agent first and its provider second. */
export function vmStatus(record: VmRecord): VmStatus {
  if (record.agent) {
    if (record.leaving) return 'draining'
    const containers = [...record.containers.values()]
    if (record.target === 0 && containers.length > 0) return 'draining'
    if (record.unhealthyReason !== null) return 'unhealthy'
    if (containers.some((c) => c.state === 'ready') || record.target === 0) return 'ready'
    return 'provisioning'
  }
  if (record.providerState === 'stopped') return 'stopped'
  if (record.providerState === 'starting') return 'provisioning'
  return 'down'
}

export function readyContainers(record: VmRecord): number {
  return [...record.containers.values()].filter((c) => c.state === 'ready').length
}

function toVmInfo(record: VmRecord): VmInfo {
  const containers = [...record.containers.values()].map(
    ({ readySinceMs: _r, window: _w, route: _route, ...info }) => info,
  )
  return {
    name: record.name,
    status: vmStatus(record),
    provider: record.provider,
    address: record.address,
    capacity: { containers: record.capacity },
    containers,
    target: record.target,
    cpuPercent: containers.length
      ? containers.reduce((sum, c) => sum + c.cpuPercent, 0) / containers.length
      : 0,
    requestRate: containers.reduce((sum, c) => sum + c.requestRate, 0),
    agent: record.agent,
    login: record.login,
    agentKey: null,
    ...(record.leaving && {
      leaving: { action: record.leaving.action, reason: departureReason(record.leaving) },
    }),
    unhealthyReason: record.agent ? record.unhealthyReason : null,
  }
}
