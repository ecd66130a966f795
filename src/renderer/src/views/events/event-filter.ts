// Which decision-log entries the Events page shows, and the VMs its filter offers.
import type { ClusterSnapshot } from '../../../../shared/domain/cluster'
import type { ClusterEvent, EventKind } from '../../../../shared/domain/events'

export interface EventFilter {
  /** '' = every VM. */
  vmId: string
  /** '' = every kind. */
  kind: EventKind | ''
}

export const NO_FILTER: EventFilter = { vmId: '', kind: '' }

export function filterEvents(log: readonly ClusterEvent[], filter: EventFilter): ClusterEvent[] {
  return log.filter(
    (event) => (!filter.vmId || event.vmId === filter.vmId) && (!filter.kind || event.kind === filter.kind),
  )
}

export interface VmOption {
  id: string
  name: string
}

/** The cluster's VMs and any VM the log mentions (removed ones too), by name. */
export function vmOptions(cluster: ClusterSnapshot | undefined, log: readonly ClusterEvent[]): VmOption[] {
  const names = new Map<string, string>()
  for (const event of log) if (event.vmId) names.set(event.vmId, event.vmId)
  for (const vm of cluster?.vms ?? []) names.set(vm.name, vm.name)
  return [...names]
    .map(([id, name]) => ({ id, name }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))
}
