// What the current load would do under a policy: the cluster's latest snapshot fed to the planner the
// VIM runs (previewCluster), summed up as the editor shows it ("3 → 5 replicas, lab-2 gets 3").
import type { ClusterSnapshot, VmInfo } from '../../../../shared/domain/cluster'
import { type ClusterScalingSettings, type ClusterVm, previewCluster } from '../../../../shared/scaler'

export interface VmPreview {
  id: string
  name: string
  current: number
  target: number
}

export interface PolicyPreview {
  current: number
  desired: number
  /** Replicas that fit on no ready VM: the VIM would ask a provider for another VM. */
  unplaced: number
  /** Every ready VM with its target under the policy. */
  vms: VmPreview[]
  /** The policy's reason, as the event log would say it. */
  reason: string
  /** Placement's reasons, one per VM whose target changes. */
  placement: string[]
}

/** The snapshot as the VIM's loop sees it; the snapshot's CPU is the latest sample, not a window mean. */
export function clusterVmOf(vm: VmInfo): ClusterVm {
  return {
    id: vm.name,
    name: vm.name,
    ready: vm.agent !== null,
    capacity: vm.capacity.containers,
    currentTarget: vm.target,
    replicas: vm.containers
      .filter((c) => c.state === 'ready' || c.state === 'starting')
      .map((c) => ({ id: c.id, ready: c.state === 'ready', utilization: c.cpuPercent / 100 })),
  }
}

/** undefined when no VM is ready: there is no load to measure and nowhere to place replicas. */
export function previewPolicy(
  snapshot: ClusterSnapshot,
  settings: ClusterScalingSettings,
): PolicyPreview | undefined {
  const vms = snapshot.vms.map(clusterVmOf).filter((vm) => vm.ready)
  if (vms.length === 0) return undefined
  const plan = previewCluster({
    now: snapshot.at,
    policy: settings.policy,
    placement: settings.placement,
    vms,
  })
  return {
    current: plan.decision.reason.current,
    desired: plan.desiredTotal,
    unplaced: plan.unplaced,
    vms: vms.map((vm) => ({
      id: vm.id,
      name: vm.name,
      current: vm.currentTarget,
      target: plan.targets[vm.id] ?? vm.currentTarget,
    })),
    reason: plan.decision.reason.message,
    placement: plan.reasons,
  }
}
