// Where VMs come from. The local lab, plain SSH hosts and VirtualBox all answer the same questions, so
// the cluster autoscaler can ask any of them for another VM or stop an idle one.
import type { AddVmInput } from '../../shared/api/contract'
import type { ProviderKind, ProviderVmState } from '../../shared/domain/cluster'
import type { SshLoginInfo } from '../../shared/domain/provision'

export type { ProviderVmState }

export interface ProviderVm {
  /** The VM's one key in the VIM, e.g. "lab-1"; start, stop and remove take it. */
  name: string
  provider: ProviderKind
  state: ProviderVmState
  /** Where the VM (its agent's load balancer host) is reachable, when known. */
  address?: string
  /** Most containers the VM's agent runs. */
  capacity: number
  /** How the VIM logs in to deploy the agent, for VMs reached over SSH. */
  login?: SshLoginInfo
}

export interface ProviderCapabilities {
  /** The provider can power the VM on and off (false for a plain SSH host). */
  startStop: boolean
  /** The provider can create a new VM (clone from a template, or another lab VM). */
  create: boolean
}

export interface VmProvider {
  readonly kind: ProviderKind
  readonly capabilities: ProviderCapabilities
  list(): Promise<ProviderVm[]>
  /** Starts a stopped VM (and its agent); resolves once the start was issued, not when the agent is up. */
  start(name: string): Promise<void>
  /** Stops a VM (its agent and, where the provider owns them, its containers). */
  stop(name: string): Promise<void>
  /** Forgets a VM (stopping what the provider runs for it), where the provider can. */
  remove?(name: string): Promise<void>
  /** Adds a VM the user describes (an SSH host by address, a VirtualBox VM by name); resolves with it. */
  add?(input: AddVmInput): Promise<ProviderVm>
  /** Creates another VM when `capabilities.create`; resolves with it. */
  create?(): Promise<ProviderVm>
  /** Releases everything the provider started (called when the VIM exits). */
  close(): Promise<void>
}
