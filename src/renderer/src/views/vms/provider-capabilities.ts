// What the VMs page may offer per provider: the control API refuses the rest (vms:start/stop answer
// 'conflict' for a provider that cannot power its VMs), so the buttons say why before a click.
// Deploying the agent over SSH is offered where the user brings the machine: the lab starts its own.
import type { ProviderKind, VmInfo } from '../../../../shared/domain/cluster'

export const PROVIDER_LABELS: Record<ProviderKind, string> = {
  lab: 'Lab',
  ssh: 'SSH host',
  virtualbox: 'VirtualBox',
  swarm: 'Swarm node',
}

/** Why a provider cannot start or stop its VMs, or undefined when it can. */
const NO_POWER: Record<ProviderKind, string | undefined> = {
  lab: undefined,
  virtualbox: undefined,
  // Stop drains the node (its tasks move first); start makes it take tasks again.
  swarm: undefined,
  ssh: 'An SSH host is a machine the VIM does not own: power it on and off yourself.',
}

export interface VmActionState {
  /** undefined = allowed; otherwise the tooltip that says why not. */
  start: string | undefined
  stop: string | undefined
}

export function vmActions(vm: VmInfo): VmActionState {
  const noPower = NO_POWER[vm.provider]
  if (noPower) return { start: noPower, stop: noPower }
  // 'down': the provider runs it, or does not know, but no agent answers: either action may help.
  if (vm.status === 'down') return { start: undefined, stop: undefined }
  if (vm.status === 'stopped') return { start: undefined, stop: `${vm.name} is already stopped.` }
  return { start: `${vm.name} is already running.`, stop: undefined }
}

/** SSH hosts and VirtualBox VMs get their agent deployed over SSH; lab VMs come with theirs. */
export function canDeployAgent(vm: VmInfo): boolean {
  return vm.provider === 'ssh' || vm.provider === 'virtualbox'
}
