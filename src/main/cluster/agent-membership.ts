// Binds the agent hub to the cluster state: which hellos may join (how many VMs, how fast new ones come,
// where each one's public traffic may go), what each session's reports and events change, and forgetting
// VMs that nobody knows any more. core.ts and the hub benchmark use this one binding.
import type { MembershipSettings } from '../../shared/domain/membership'
import type { ScalingPolicy } from '../../shared/policy/scaling-policy'
import { CloseCode } from '../../shared/protocol/close-codes'
import type { HelloMessage } from '../../shared/protocol/messages'
import type { AgentHub, AgentSession, Rejection, WelcomeTerms } from '../hub/agent-hub'
import { agentLbTarget, formatHostPort, type LbTarget, type VimSelf } from '../hub/lb-address'
import { TokenBucket } from '../hub/token-bucket'
import type { VimMetrics } from '../metrics/prometheus'
import { type ClusterStore, forgettableVms } from './cluster-store'
import type { EventInput } from './event-log'
import { recordReport } from './report-intake'
import type { ClusterSeries } from './time-series'

export interface AgentMembershipDeps {
  store: ClusterStore
  series: ClusterSeries
  /** The decision log; a benchmark may leave it out. */
  events?: { append(event: EventInput): unknown }
  metrics?: Pick<VimMetrics, 'setAgentSessions' | 'setReplicas'>
  settings: () => MembershipSettings
  /** This machine's addresses and the VIM's own ports, which no agent may point public traffic at. */
  self: () => VimSelf
  /** The policy an agent uses when it must decide alone, for its capacity. */
  agentPolicy: (capacity: number) => ScalingPolicy
  now?: () => number
}

export type Admission = WelcomeTerms | { refused: Rejection }

export class AgentMembership {
  private readonly live = new Map<string, AgentSession>()
  private readonly now: () => number
  private newVms: { bucket: TokenBucket; perMinute: number } | undefined

  constructor(private readonly deps: AgentMembershipDeps) {
    this.now = deps.now ?? Date.now
  }

  /** The live session of a VM's agent. */
  session(vmName: string): AgentSession | undefined {
    return this.live.get(vmName)
  }

  sessions(): AgentSession[] {
    return [...this.live.values()]
  }

  /** The hub's `welcome`: refuses what must not join, else the terms the agent starts with. */
  admit(hello: HelloMessage, remoteAddress: string): Admission {
    const { store } = this.deps
    const settings = this.deps.settings()
    const name = hello.vmName
    if (!store.vm(name)) {
      const count = store.size
      if (count >= settings.maxVms) {
        return refuse(
          CloseCode.clusterFull,
          `the cluster already has ${count} VMs, its most (membership.maxVms): remove one or raise the limit`,
        )
      }
      if (!this.newVmBudget(settings.newVmsPerMinute).take(this.now())) {
        return refuse(
          CloseCode.tooFrequent,
          `more than ${settings.newVmsPerMinute} new VMs joined within a minute; retry later`,
        )
      }
    }
    const target = this.lbTarget(hello, remoteAddress)
    if (!target.ok) return refuse(CloseCode.addressRefused, `${name}: no public traffic to ${target.reason}`)
    return { policy: this.deps.agentPolicy(hello.capacity.containers), target: this.startingTarget(hello) }
  }

  /** Subscribes to the hub; returns the function that unsubscribes. */
  attach(hub: Pick<AgentHub, 'on'>): () => void {
    const { store, events, metrics } = this.deps
    const off = [
      hub.on('connected', (session) => {
        const target = this.lbTarget(session.hello, session.remoteAddress)
        if (!target.ok) {
          // The settings changed between the welcome and now; the next hello is judged again.
          session.close(`no public traffic to ${target.reason}`, CloseCode.addressRefused)
          return
        }
        this.live.get(session.vmName)?.close('replaced by a newer session', CloseCode.duplicateAgent)
        this.live.set(session.vmName, session)
        const known = store.vm(session.vmName)
        store.agentConnected({
          name: session.vmName,
          provider: known?.provider ?? 'ssh',
          capacity: session.hello.capacity.containers,
          address: formatHostPort(target.host, target.port),
          version: session.hello.agentVersion,
          runtime: session.hello.runtime,
          connectedAt: session.connectedAt,
          target: this.startingTarget(session.hello),
        })
        metrics?.setAgentSessions(this.live.size)
        events?.append({
          kind: 'agent',
          vmId: session.vmName,
          message: `${session.vmName}: agent ${session.hello.agentVersion} connected from ${session.remoteAddress}; public traffic goes to ${formatHostPort(target.host, target.port)}`,
        })
      }),
      hub.on('report', (session, report) => {
        if (this.live.get(session.vmName) !== session) return
        recordReport({ store, series: this.deps.series, metrics }, session.vmName, report, this.now())
      }),
      hub.on('event', (session, event) => {
        if (event.kind === 'scaling-decision') return // the VIM decides; the agent's own view is in its reports
        events?.append({
          kind: event.kind === 'error' || event.kind === 'warning' ? 'error' : 'container',
          vmId: session.vmName,
          message: `${session.vmName}: ${event.message}`,
          at: event.at,
          ...(event.containerId && { containerId: event.containerId }),
        })
      }),
      hub.on('disconnected', (session, end) => {
        if (this.live.get(session.vmName) !== session) return
        this.live.delete(session.vmName)
        store.agentDisconnected(session.vmName)
        metrics?.setAgentSessions(this.live.size)
        events?.append({
          kind: 'agent',
          vmId: session.vmName,
          message: `${session.vmName}: agent disconnected (${end.reason})`,
        })
      }),
      hub.on('rejected', (remote, rejection) => {
        const vm = rejection.vmName ? { vmId: rejection.vmName } : {}
        events?.append({
          kind: 'agent',
          ...vm,
          message: `Refused an agent from ${remote}: ${rejection.reason}`,
        })
      }),
    ]
    return () => {
      for (const unsubscribe of off) unsubscribe()
    }
  }

  /** After the settings changed: live VMs move to the addresses the user set (or back to their own). */
  refreshAddresses(): void {
    for (const session of this.live.values()) {
      const target = this.lbTarget(session.hello, session.remoteAddress)
      if (target.ok) this.deps.store.setAddress(session.vmName, formatHostPort(target.host, target.port))
      else session.close(`no public traffic to ${target.reason}`, CloseCode.addressRefused)
    }
  }

  /** Forgets the VMs no provider lists whose agent left long enough ago; returns their names. */
  forgetGone(): string[] {
    const { store, series, events } = this.deps
    const afterSeconds = this.deps.settings().forgetAfterSeconds
    const gone = forgettableVms(store.vms(), this.now(), afterSeconds * 1000)
    for (const record of gone) {
      store.removeVm(record.name)
      series.forgetVm(record.name)
      events?.append({
        kind: 'vm',
        vmId: record.name,
        message: `${record.name}: forgotten: no provider lists it and its agent has been gone for more than ${afterSeconds} s`,
      })
    }
    return gone.map((record) => record.name)
  }

  private lbTarget(hello: HelloMessage, remoteAddress: string): LbTarget {
    const override = this.deps.settings().addressOverrides.find((entry) => entry.vm === hello.vmName)?.address
    return agentLbTarget(
      { peer: remoteAddress, lbHost: hello.lbHost, lbPort: hello.lbPort, override },
      this.deps.self(),
    )
  }

  /**
   * A VM the VIM already steers keeps its target; one it meets for the first time (or after a VIM restart)
   * keeps what it runs, so that neither side throws containers away.
   */
  private startingTarget(hello: HelloMessage): number {
    const known = this.deps.store.vm(hello.vmName)
    const target = known?.agent === null && known.target > 0 ? known.target : Math.max(1, hello.replicas ?? 0)
    return Math.min(target, hello.capacity.containers)
  }

  private newVmBudget(perMinute: number): TokenBucket {
    if (this.newVms?.perMinute !== perMinute) {
      this.newVms = { bucket: new TokenBucket(perMinute, perMinute / 60, this.now()), perMinute }
    }
    return this.newVms.bucket
  }
}

function refuse(code: number, reason: string): Admission {
  return { refused: { code, reason } }
}
