// The VIM's control loop: every policy interval it reads the cluster, decides each VM's target with the
// shared planner, tells the agents, and asks the VM provider for another VM or to stop an idle one.
import type { ClusterScalingSettings } from '../../shared/scaler'
import {
  type ClusterPlanState,
  type ClusterVm,
  type FleetState,
  planCluster,
  planFleet,
} from '../../shared/scaler'
import type { ClusterStore } from '../cluster/cluster-store'
import { type EventLog, scalingEvent } from '../cluster/event-log'
import type { AgentSession } from '../hub/agent-hub'
import { log } from '../log'
import type { VimMetrics } from '../metrics/prometheus'
import type { ProviderVm, VmProvider } from '../providers/provider'

export interface AutoscalerDeps {
  store: ClusterStore
  events: EventLog
  metrics: VimMetrics
  settings: () => ClusterScalingSettings
  session: (vmName: string) => AgentSession | undefined
  providers: () => VmProvider[]
  now?: () => number
}

export class ClusterAutoscaler {
  private timer: NodeJS.Timeout | undefined
  private planState: ClusterPlanState | undefined
  private fleetState: FleetState | undefined
  private lastTotal: number | undefined
  private lastEvaluationAt = Number.NEGATIVE_INFINITY
  private fleetBusy = false
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

  /** Forget the planner's history (after the policy changed). */
  resetHistory(): void {
    this.planState = undefined
  }

  async tick(): Promise<void> {
    const settings = this.deps.settings()
    const now = this.now()
    if (now - this.lastEvaluationAt < settings.policy.intervalSeconds * 1000 - 50) return
    this.lastEvaluationAt = now
    try {
      const unplaced = this.planReplicas(settings, now)
      await this.planVms(settings, now, unplaced)
    } catch (error) {
      log.error('cluster autoscaler failed', error)
      this.deps.events.append({ kind: 'error', message: `Cluster autoscaler: ${(error as Error).message}` })
    }
  }

  private planReplicas(settings: ClusterScalingSettings, now: number): number {
    const { store, events, metrics } = this.deps
    const windowMs = settings.policy.metricWindowSeconds * 1000
    const vms: ClusterVm[] = store.vms().map((record) => ({
      id: record.name,
      name: record.name,
      ready: record.agent !== null,
      capacity: record.capacity,
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
      store.setTarget(vm.id, target)
      const session = this.deps.session(vm.name)
      if (!session) continue
      const reason = plan.reasons.find((r) => r.startsWith(`${vm.name}:`)) ?? plan.decision.reason.message
      session
        .command('setTarget', { replicas: target, reason: reason.slice(0, 500) })
        .catch((error: Error) => {
          events.append({
            kind: 'error',
            vmId: vm.id,
            message: `${vm.name} did not take its target ${target}: ${error.message}`,
          })
        })
    }
    return plan.unplaced
  }

  /** One provider action at a time: another VM when out of room, or stop one idle past the cool-down. */
  private async planVms(settings: ClusterScalingSettings, now: number, unplaced: number): Promise<void> {
    if (this.fleetBusy) return
    const providers = this.deps.providers()
    const known: { vm: ProviderVm; provider: VmProvider }[] = []
    for (const provider of providers) for (const vm of await provider.list()) known.push({ vm, provider })
    const byName = new Map(this.deps.store.vms().map((r) => [r.name, r]))
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
