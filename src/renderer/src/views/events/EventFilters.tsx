// The Events page's filters: one VM and one kind, or all of them.
import { EventKind } from '../../../../shared/domain/events'
import type { EventFilter, VmOption } from './event-filter'

interface Props {
  filter: EventFilter
  vms: readonly VmOption[]
  onChange(filter: EventFilter): void
}

export function EventFilters({ filter, vms, onChange }: Props) {
  return (
    <search className="toolbar" aria-label="Filter events">
      <div className="form-field inline">
        <label htmlFor="events-vm">VM</label>
        <select
          id="events-vm"
          value={filter.vmId}
          onChange={(event) => onChange({ ...filter, vmId: event.target.value })}
        >
          <option value="">All VMs</option>
          {vms.map((vm) => (
            <option key={vm.id} value={vm.id}>
              {vm.name}
            </option>
          ))}
        </select>
      </div>
      <div className="form-field inline">
        <label htmlFor="events-kind">Kind</label>
        <select
          id="events-kind"
          value={filter.kind}
          onChange={(event) => onChange({ ...filter, kind: event.target.value as EventFilter['kind'] })}
        >
          <option value="">All kinds</option>
          {EventKind.options.map((kind) => (
            <option key={kind} value={kind}>
              {kind}
            </option>
          ))}
        </select>
      </div>
    </search>
  )
}
