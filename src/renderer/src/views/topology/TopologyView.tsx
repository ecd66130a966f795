// The home screen: the cluster as a live graph (VIM → VMs → containers) with details on demand, and
// the cluster's charts under it. Before any VM exists it tells a newcomer where VMs come from.
import { useApp } from '../../app-context'
import { ClusterCharts } from '../charts/ClusterCharts'
import { TopologyEmptyState } from './TopologyEmptyState'
import { TopologyStage } from './TopologyStage'

export function TopologyView() {
  const cluster = useApp((state) => state.cluster)
  if (!cluster) return <p className="muted">Waiting for the first cluster snapshot…</p>
  if (cluster.vms.length === 0) return <TopologyEmptyState />
  return (
    <div className="topology-page">
      <TopologyStage cluster={cluster} />
      <ClusterCharts />
    </div>
  )
}
