// A container's details: its state and load now, its CPU and memory over the last 5 minutes, and its
// output, live, on demand.
import { useMemo } from 'react'
import type { ContainerInfo, VmInfo } from '../../../../shared/domain/cluster'
import { StatusBadge } from '../../components/StatusBadge'
import { formatMiB, formatRate } from '../../components/units'
import { type ChartLine, TimeChart } from '../charts/TimeChart'
import { toColumns, usePolledSeries } from '../charts/usePolledSeries'
import { LogsToggle } from '../logs/LogsPanel'

const CPU: ChartLine[] = [{ label: 'CPU', color: 'var(--accent)' }]
const MEMORY: ChartLine[] = [{ label: 'memory', color: 'var(--ok)' }]
const percent = (v: number) => `${Math.round(v)} %`
const mebibytes = (v: number) => `${Math.round(v)} MiB`

export function ContainerDetails({ vm, container }: { vm: VmInfo; container: ContainerInfo }) {
  const { series, error } = usePolledSeries(vm.name, container.id)
  const columns = useMemo(() => {
    if (series?.kind !== 'container') return undefined
    const { times, series: s } = series
    return {
      cpu: toColumns(times, s.cpuPercent),
      memory: toColumns(
        times,
        s.memoryBytes.map((bytes) => (bytes == null ? null : bytes / 2 ** 20)),
      ),
    }
  }, [series])

  return (
    <>
      <dl className="details-facts">
        <dt>State</dt>
        <dd>
          <StatusBadge status={container.state} reason={container.unhealthyReason} />
          {container.unhealthyReason && ` ${container.unhealthyReason}`}
        </dd>
        <dt>On</dt>
        <dd>{vm.name}</dd>
        <dt>CPU</dt>
        <dd>{Math.round(container.cpuPercent)} % of its limit</dd>
        <dt>Memory</dt>
        <dd>{formatMiB(container.memoryBytes)}</dd>
        <dt>Traffic</dt>
        <dd>
          {formatRate(container.requestRate)} · {container.inFlight} in flight
          {container.latencyMsP95 != null && ` · p95 ${Math.round(container.latencyMsP95)} ms`}
        </dd>
      </dl>
      <h3>Last 5 minutes</h3>
      {columns ? (
        <>
          <TimeChart
            title="CPU (% of limit)"
            lines={CPU}
            format={percent}
            minTop={100}
            height={110}
            data={columns.cpu}
          />
          <TimeChart title="Memory" lines={MEMORY} format={mebibytes} height={110} data={columns.memory} />
        </>
      ) : (
        <p className="muted">{error ? `No series yet: ${error}` : 'Loading series…'}</p>
      )}
      <LogsToggle vmId={vm.name} containerId={container.id} title={`Logs of ${container.name}`} what="logs" />
    </>
  )
}
