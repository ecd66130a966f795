// The cluster's VMs as a table, live from the core's snapshots.
import type { VmInfo } from '../../../../shared/domain/cluster'
import { VmRow, type VmRowProps } from './VmRow'

export function VmTable({
  vms,
  onOpenAgentPanel,
}: { vms: readonly VmInfo[] } & Pick<VmRowProps, 'onOpenAgentPanel'>) {
  return (
    <div className="table-scroll">
      <table className="data-table vm-table">
        <caption className="sr-only">VMs of the cluster</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Provider</th>
            <th scope="col">Address</th>
            <th scope="col">Agent, runtime</th>
            <th scope="col">State</th>
            <th scope="col" className="numeric">
              Containers
              <span className="th-sub">running / target / capacity</span>
            </th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {vms.map((vm) => (
            <VmRow key={vm.name} vm={vm} onOpenAgentPanel={onOpenAgentPanel} />
          ))}
        </tbody>
      </table>
    </div>
  )
}
