// A VM's details: what it is and runs, start/stop, its recent series and events, and its agent's log on demand.
import { useMemo } from 'react'
import type { VmInfo } from '../../../../shared/domain/cluster'
import { StatusBadge } from '../../components/StatusBadge'
import { formatMiB, formatRate } from '../../components/units'
import { type ChartLine, TimeChart } from '../charts/TimeChart'
import { toColumns, usePolledSeries } from '../charts/usePolledSeries'
import { LogsToggle } from '../logs/LogsPanel'
import { VmActions } from './VmActions'
import { VmRecentEvents } from './VmRecentEvents'

const CPU: ChartLine[] = [{ label: 'CPU', color: 'var(--accent)' }]
const REPLICAS: ChartLine[] = [
  { label: 'replicas', color: 'var(--accent)', stepped: true },
  { label: 'ready', color: 'var(--ok)', stepped: true },
]
const REQUESTS: ChartLine[] = [{ label: 'requests', color: 'var(--accent)' }]
const percent = (v: number) => `${Math.round(v)} %`
const count = (v: number) => String(Math.round(v))
const rate = (v: number) => `${v < 10 ? v.toFixed(1) : Math.round(v)}/s`

export function VmDetails({ vm }: { vm: VmInfo }) {
  const { series, error } = usePolledSeries(vm.name)
  const columns = useMemo(() => {
    if (series?.kind !== 'vm') return undefined
    const { times, series: s } = series
    return {
      cpu: toColumns(times, s.cpuPercent),
      replicas: toColumns(times, s.replicas, s.readyReplicas),
      requests: toColumns(times, s.requestRate),
    }
  }, [series])
  const memory = vm.containers.reduce((sum, c) => sum + c.memoryBytes, 0)

  return (
    <>
      <dl className="details-facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={vm.status} reason={vm.unhealthyReason} />
          {vm.unhealthyReason && ` ${vm.unhealthyReason}`}
          {vm.leaving && <div className="muted">{vm.leaving.reason}</div>}
        </dd>
        <dt>Provider</dt>
        <dd>
          {vm.provider}
          {vm.address && ` · ${vm.address}`}
        </dd>
        <dt>Agent</dt>
        <dd>
          {vm.agent
            ? `${vm.agent.version} · ${vm.agent.runtime === 'process' ? 'process runtime (no isolation)' : 'docker'} · ${vm.agent.mode}`
            : 'not connected'}
        </dd>
        <dt>Replicas</dt>
        <dd>
          {vm.containers.length} running · target {vm.target} · room for {vm.capacity.containers}
        </dd>
        {vm.agent?.recommendation && (
          <>
            <dt>Agent advises</dt>
            <dd>
              {vm.agent.recommendation.replicas}: {vm.agent.recommendation.reason}
            </dd>
          </>
        )}
        <dt>Load</dt>
        <dd>
          CPU {Math.round(vm.cpuPercent)} % · {formatMiB(memory)} · {formatRate(vm.requestRate)}
        </dd>
      </dl>
      <VmActions vm={vm} />
      <h3>Last 5 minutes</h3>
      {columns ? (
        <>
          <TimeChart title="CPU" lines={CPU} format={percent} minTop={100} height={110} data={columns.cpu} />
          <TimeChart
            title="Replicas"
            lines={REPLICAS}
            format={count}
            minTop={4}
            height={110}
            data={columns.replicas}
          />
          <TimeChart title="Requests" lines={REQUESTS} format={rate} height={110} data={columns.requests} />
        </>
      ) : (
        <p className="muted">{error ? `No series yet: ${error}` : 'Loading series…'}</p>
      )}
      <VmRecentEvents vmId={vm.name} />
      {vm.agent && <LogsToggle vmId={vm.name} title={`Agent log of ${vm.name}`} what="agent log" />}
    </>
  )
}
