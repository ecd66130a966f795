// The VIM's control loop: every policy interval it reads the cluster, decides each VM's target with the
// shared planner and asks the VM provider for another VM or to stop an idle one; every second the apply
// step sends the agents what is safe to send now (make before break, drain before 0).
import type { ClusterScalingSettings } from '../../shared/scaler'
import {
  type ApplyState,
  applyTargets,
  type ClusterPlanState,
  type ClusterVm,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_HOLD_TIMEOUT_MS,
  type FleetState,
  planCluster,
  planFleet,
} from '../../shared/scaler'
import { type ClusterStore, readyContainers } from '../cluster/cluster-store'
import { type EventLog, scalingEvent } from '../cluster/event-log'
import type { AgentSession } from '../hub/agent-hub'
import { log } from '../log'
import type { VimMetrics } from '../metrics/prometheus'
import type { ProviderVm, VmProvider } from '../providers/provider'
import type { VmDepartures } from './vm-departures'

export interface AutoscalerDeps {
  store: ClusterStore
  events: EventLog
  metrics: VimMetrics
  settings: () => ClusterScalingSettings
  session: (vmName: string) => AgentSession | undefined
  providers: () => VmProvider[]
  /** Requests the front proxy has in flight to a VM (0 when it is not in the rotation). */
  inFlight: (vmName: string) => number
  now?: () => number
  /** How long a VM out of the rotation may keep requests in flight before its target 0 goes out anyway. */
  drainTimeoutMs?: number
  /** How long a decrease may wait for its replacement to become ready. */
  holdTimeoutMs?: number
  /** Stops and removes the user asked for, run once the VM has drained (see vm-departures.ts). */
  departures?: Pick<VmDepartures, 'step'>
}

/** The VMs whose agents this loop drives; Swarm nodes are scaled by the Swarm provider's own loop. */
function agentVms(store: ClusterStore) {
  return store.vms().filter((record) => record.provider !== 'swarm')
}

export class ClusterAutoscaler {
  private timer: NodeJS.Timeout | undefined
  private planState: ClusterPlanState | undefined
  private applyState: ApplyState | undefined
  /** The placement reason behind each VM's latest target, sent with it to the agent. */
  private readonly reasons = new Map<string, string>()
  /** The last failure per VM, so a command retried every second is not logged every second. */
  private readonly failures = new Map<string, string>()
  private fleetState: FleetState | undefined
  private lastTotal: number | undefined
  private lastEvaluationAt = Number.NEGATIVE_INFINITY
  private fleetBusy = false
  /** Replicas the last plan could not place, and whether a provider can start or create a VM for them. */
  private unplaced = 0
  private fleetCanGrow = false
  private readonly now: () => number

  constructor(private readonly deps: AutoscalerDeps) {
    this.now = deps.now ?? Date.now
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), 1000)
  }

  stop(): void {
    clearInterval(this.timer)
  }

  /** Plans at the next second instead of the policy interval (a VM was cordoned: move its replicas now). */
  planSoon(): void {
    this.lastEvaluationAt = Number.NEGATIVE_INFINITY
  }

  /** Forget the planner's history (after the policy changed). */
  resetHistory(): void {
    this.planState = undefined
  }

  /** Plans at the policy interval; applies every call (every second). */
  async tick(): Promise<void> {
    const settings = this.deps.settings()
    const now = this.now()
    const due = now - this.lastEvaluationAt >= settings.policy.intervalSeconds * 1000 - 50
    try {
      if (due) {
        this.lastEvaluationAt = now
        this.unplaced = this.planReplicas(settings, now)
      }
      this.applyStep(now)
      this.deps.departures?.step(now)
      if (due) await this.planVms(settings, now, this.unplaced)
    } catch (error) {
      log.error('cluster autoscaler failed', error)
      this.deps.events.append({ kind: 'error', message: `Cluster autoscaler: ${(error as Error).message}` })
    }
  }

  private planReplicas(settings: ClusterScalingSettings, now: number): number {
    const { store, events, metrics } = this.deps
    const windowMs = settings.policy.metricWindowSeconds * 1000
    const vms: ClusterVm[] = agentVms(store).map((record) => ({
      id: record.name,
      name: record.name,
      ready: record.agent !== null,
      // A VM on its way out of the rotation takes no new replica until it is drained; one the user stops
      // or removes (cordoned) takes none at all, so its replicas are placed elsewhere.
      capacity: record.draining || record.leaving ? 0 : record.capacity,
      currentTarget: record.target,
      replicas: [...record.containers.values()]
        // An unhealthy replica holds its slot (its agent replaces it) but, like a starting one, is not ready.
        .filter((c) => c.state === 'ready' || c.state === 'starting' || c.state === 'unhealthy')
        .map((c) => {
          const utilization = c.window.utilization(now, windowMs)
          return {
            id: c.id,
            ready: c.state === 'ready',
            ...(c.readySinceMs !== undefined && { readySinceMs: c.readySinceMs }),
            ...(utilization !== undefined && { utilization }),
          }
        }),
      ...(record.agent?.recommendation && { recommendation: record.agent.recommendation.replicas }),
    }))
    if (!vms.some((vm) => vm.ready)) return 0

    const plan = planCluster(
      { now, policy: settings.policy, placement: settings.placement, vms },
      this.planState,
    )
    this.planState = plan.state
    if (plan.desiredTotal !== this.lastTotal) {
      if (this.lastTotal !== undefined) {
        events.append(scalingEvent(plan.decision.reason))
        metrics.recordDecision(plan.decision.reason)
      }
      this.lastTotal = plan.desiredTotal
    }
    for (const reason of plan.reasons) {
      // Each reason starts with the VM it is about ("lab-2: 1 → 2 replicas (…)"), so it can be filtered by VM.
      const vm = vms.find((v) => reason.startsWith(`${v.name}:`))
      events.append({ kind: 'placement', message: reason, ...(vm && { vmId: vm.id }) })
    }

    for (const vm of vms) {
      const target = plan.targets[vm.id]
      if (target === undefined || target === vm.currentTarget) continue
      // The intent only: the apply step decides when the agent is told.
      store.setTarget(vm.id, target)
      const reason = plan.reasons.find((r) => r.startsWith(`${vm.name}:`)) ?? plan.decision.reason.message
      this.reasons.set(vm.id, reason)
    }
    return plan.unplaced
  }

  /** Sends the targets that are safe now, marks the VMs to drain, and says once why a step waits. */
  private applyStep(now: number): void {
    const { store, events } = this.deps
    const records = agentVms(store)
    const plan = applyTargets(
      {
        now,
        drainTimeoutMs: this.deps.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS,
        holdTimeoutMs: this.deps.holdTimeoutMs ?? DEFAULT_HOLD_TIMEOUT_MS,
        awaitedReplicas: this.fleetCanGrow ? this.unplaced : 0,
        vms: records.map((record) => ({
          id: record.name,
          name: record.name,
          connected: record.agent !== null && this.deps.session(record.name) !== undefined,
          target: record.target,
          sent: record.sentTarget,
          ready: readyContainers(record),
          inFlight: this.deps.inFlight(record.name),
          cordoned: record.leaving !== null,
        })),
      },
      this.applyState,
    )
    this.applyState = plan.state
    // The rotation follows the store at once, so a VM marked here is at weight 0 before any command below.
    const draining = new Set(plan.draining)
    for (const record of records) store.setDraining(record.name, draining.has(record.name))
    for (const note of plan.notes)
      events.append({ kind: 'placement', vmId: note.vmId, message: note.message })
    for (const command of plan.commands) {
      const session = this.deps.session(command.vmId)
      const record = store.vm(command.vmId)
      if (!session || !record) continue
      const took = record.sentTarget
      const decrease = command.replicas < took
      // A decrease that waited says when it went ahead; an increase was logged when it was planned.
      if (decrease) events.append({ kind: 'placement', vmId: command.vmId, message: command.reason })
      const reason = (decrease ? command.reason : (this.reasons.get(command.vmId) ?? command.reason)).slice(
        0,
        500,
      )
      store.setSentTarget(command.vmId, command.replicas)
      session
        .command('setTarget', { replicas: command.replicas, reason })
        .then(() => this.failures.delete(command.vmId))
        .catch((error: Error) => {
          // Not taken: back to what the agent runs, so the next second sends it again.
          if (store.vm(command.vmId)?.sentTarget === command.replicas) store.setSentTarget(command.vmId, took)
          const message = `${command.vmId} did not take its target ${command.replicas}: ${error.message}`
          if (this.failures.get(command.vmId) === message) return
          this.failures.set(command.vmId, message)
          events.append({ kind: 'error', vmId: command.vmId, message: `${message}; retrying` })
        })
    }
  }

  /** One provider action at a time: another VM when out of room, or stop one idle past the cool-down. */
  private async planVms(settings: ClusterScalingSettings, now: number, unplaced: number): Promise<void> {
    if (this.fleetBusy) return
    const providers = this.deps.providers()
    const known: { vm: ProviderVm; provider: VmProvider }[] = []
    for (const provider of providers) for (const vm of await provider.list()) known.push({ vm, provider })
    const byName = new Map(this.deps.store.vms().map((r) => [r.name, r]))
    // With nowhere to start or create a VM, a cordoned VM's replicas are not waited for: it drains and goes.
    this.fleetCanGrow =
      providers.some((p) => p.capabilities.create) ||
      known.some(({ vm, provider }) => provider.capabilities.startStop && vm.state === 'stopped')
    const fleet = planFleet(
      {
        now,
        unplaced,
        settings,
        canCreate: providers.some((p) => p.capabilities.create),
        vms: known.map(({ vm, provider }) => ({
          id: vm.name,
          name: vm.name,
          providerState: vm.state,
          ready: byName.get(vm.name)?.agent != null,
          capacity: vm.capacity,
          target: byName.get(vm.name)?.target ?? 0,
          containers: byName.get(vm.name)?.containers.size ?? 0,
          canStartStop: provider.capabilities.startStop,
        })),
      },
      this.fleetState,
    )
    this.fleetState = fleet.state
    const action = fleet.action
    if (!action) return

    this.fleetBusy = true
    this.deps.events.append({ kind: 'vm', message: action.reason, ...(action.vmId && { vmId: action.vmId }) })
    try {
      if (action.kind === 'create') {
        const creator = providers.find((p) => p.capabilities.create && p.create)
        await creator?.create?.()
      } else {
        const owner = known.find(({ vm }) => vm.name === action.vmId)?.provider
        if (action.kind === 'start') await owner?.start(action.vmId as string)
        else await owner?.stop(action.vmId as string)
      }
    } catch (error) {
      this.deps.events.append({
        kind: 'error',
        message: `Could not ${action.kind} a VM: ${(error as Error).message}`,
      })
    } finally {
      this.fleetBusy = false
    }
  }
}
