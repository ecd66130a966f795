// The VIM's view of the cluster: VMs and their containers, as agents and providers report them.
import type { ClusterSnapshot, VmInfo } from '../../shared/domain/cluster'

export type ClusterListener = () => void

export class ClusterStore {
  private readonly vms = new Map<string, VmInfo>()
  private readonly listeners = new Set<ClusterListener>()

  snapshot(now = Date.now()): ClusterSnapshot {
    return { at: now, vms: [...this.vms.values()].sort((a, b) => a.name.localeCompare(b.name)) }
  }

  upsertVm(vm: VmInfo): void {
    this.vms.set(vm.id, vm)
    this.changed()
  }

  removeVm(id: string): void {
    if (this.vms.delete(id)) this.changed()
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: ClusterListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private changed(): void {
    for (const listener of this.listeners) listener()
  }
}
