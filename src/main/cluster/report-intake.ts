// What one agent report changes in the VIM: the cluster store, the 1 s history and the replica gauges.
// One function, so the hub-scale benchmark measures exactly the product's path.
import type { ReportMessage } from '../../shared/protocol/messages'
import type { VimMetrics } from '../metrics/prometheus'
import type { ClusterStore } from './cluster-store'
import type { ClusterSeries } from './time-series'

export interface ReportSinks {
  store: ClusterStore
  series: ClusterSeries
  metrics?: Pick<VimMetrics, 'setReplicas'>
}

export function recordReport(
  { store, series, metrics }: ReportSinks,
  vmName: string,
  report: ReportMessage,
  at: number,
): void {
  store.applyReport(vmName, report, at)
  series.recordVm(vmName, at, {
    cpuPercent: report.vm.cpuPercent,
    memoryBytes: report.vm.memoryBytes,
    replicas: report.vm.replicas,
    readyReplicas: report.vm.readyReplicas,
    requestRate: report.containers.reduce((sum, c) => sum + c.requestRate, 0),
  })
  for (const c of report.containers) {
    series.recordContainer(vmName, c.id, at, { cpuPercent: c.cpuPercent, memoryBytes: c.memoryBytes })
  }
  series.retainContainers(vmName, new Set(report.containers.map((c) => c.id)))
  metrics?.setReplicas(vmName, {
    total: report.vm.replicas,
    ready: report.vm.readyReplicas,
    desired: report.target,
  })
}
