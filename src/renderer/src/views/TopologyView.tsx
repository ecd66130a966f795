// The cluster as a list of VMs and their containers, live from the core's snapshots.

import type { ContainerInfo, VmInfo } from '../../../shared/domain/cluster'
import { useApp } from '../app-context'

export function TopologyView() {
  const cluster = useApp((state) => state.cluster)
  if (!cluster) return <p className="muted">Waiting for the first cluster snapshot…</p>
  if (cluster.vms.length === 0) {
    return (
      <div className="empty-state">
        <h2>No VMs yet</h2>
        <p>VMs appear here, with their containers, as soon as their agents connect to the hub.</p>
      </div>
    )
  }
  return (
    <ul className="vm-list" aria-label="VMs">
      {cluster.vms.map((vm) => (
        <VmItem key={vm.id} vm={vm} />
      ))}
    </ul>
  )
}

function VmItem({ vm }: { vm: VmInfo }) {
  return (
    <li className="vm" data-vm={vm.name}>
      <div className="vm-header">
        <strong>{vm.name}</strong>
        <span className={`badge status-${vm.status}`}>{vm.status}</span>
        {vm.agent?.runtime === 'process' && (
          <span className="badge" title="Plain processes: CPU and memory limits are not enforced">
            no isolation
          </span>
        )}
        <span className="muted">
          {vm.provider} · {vm.address || 'no address yet'} · {vm.containers.length}/{vm.capacity.containers}{' '}
          containers, target {vm.target}
        </span>
      </div>
      <ul className="container-list" aria-label={`Containers of ${vm.name}`}>
        {vm.containers.map((container) => (
          <ContainerItem key={container.id} container={container} />
        ))}
      </ul>
    </li>
  )
}

function ContainerItem({ container }: { container: ContainerInfo }) {
  return (
    <li className="container" data-container={container.name}>
      <span>{container.name}</span>
      <span className={`badge state-${container.state}`}>{container.state}</span>
      <span className="muted">
        CPU {container.cpuPercent.toFixed(0)}% · {(container.memoryBytes / 2 ** 20).toFixed(0)} MiB
      </span>
    </li>
  )
}
