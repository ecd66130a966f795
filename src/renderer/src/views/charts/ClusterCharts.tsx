// The Charts section of the Topology page: the cluster's request rate, latency and errors (from the
// front proxy) and each VM's CPU and replicas, over the last 1, 5 or 15 minutes, with scaling decisions
// marked on the time axis. It re-renders only when the range or the set of VMs changes.
import { memo, useCallback, useMemo, useState, useSyncExternalStore } from 'react'
import { vmColor } from './chart-theme'
import { useMetricsHistory } from './MetricsHistoryProvider'
import { type RangeSeconds, RangeSelector } from './RangeSelector'
import { type ChartLine, TimeChart } from './TimeChart'

const REQUESTS: ChartLine[] = [{ label: 'requests', color: 'var(--accent)' }]
const LATENCY: ChartLine[] = [
  { label: 'p50', color: 'var(--ok)' },
  { label: 'p95', color: 'var(--warn)' },
]
const ERRORS: ChartLine[] = [{ label: 'errors', color: 'var(--bad)' }]

const perSecond = (value: number) => `${trim(value)}/s`
const milliseconds = (value: number) => `${trim(value)} ms`
const percent = (value: number) => `${Math.round(value)} %`
const count = (value: number) => String(Math.round(value))

function trim(value: number): string {
  return value >= 10 || value === 0 ? String(Math.round(value)) : value.toFixed(1)
}

export const ClusterCharts = memo(function ClusterCharts() {
  const history = useMetricsHistory()
  const [range, setRange] = useState<RangeSeconds>(300)
  const subscribe = useCallback((listener: () => void) => history.subscribe(listener), [history])
  const vms = useSyncExternalStore(subscribe, () => history.vms())
  const vmLines = useMemo(() => vms.map((vm, i) => ({ label: vm.name, color: vmColor(i) })), [vms])
  const vmSteps = useMemo(() => vmLines.map((line) => ({ ...line, stepped: true })), [vmLines])

  const markers = useCallback(() => history.markersSince(history.newestSecond - range + 1), [history, range])
  const requests = useCallback(() => history.requestRateColumns(range), [history, range])
  const latency = useCallback(() => history.latencyColumns(range), [history, range])
  const errors = useCallback(() => history.errorRateColumns(range), [history, range])
  // Columns for exactly the VMs drawn, even if one came or went since this render.
  const cpu = useCallback(() => history.vmColumns('cpuPercent', range, vms), [history, range, vms])
  const replicas = useCallback(() => history.vmColumns('replicas', range, vms), [history, range, vms])

  const common = { subscribe, markers }
  return (
    <section className="cluster-charts" aria-labelledby="cluster-charts-title">
      <header className="cluster-charts-header">
        <h2 id="cluster-charts-title">Charts</h2>
        <span className="muted cluster-charts-note">
          <span className="marker-swatch" aria-hidden="true" /> scaling decision
        </span>
        <RangeSelector value={range} onChange={setRange} />
      </header>
      <div className="cluster-charts-grid">
        <TimeChart title="Request rate" lines={REQUESTS} format={perSecond} read={requests} {...common} />
        <TimeChart
          title="Latency"
          lines={LATENCY}
          format={milliseconds}
          minTop={10}
          read={latency}
          {...common}
        />
        <TimeChart title="Errors" lines={ERRORS} format={perSecond} read={errors} {...common} />
        <TimeChart
          title="CPU per VM (% of its containers' limits)"
          lines={vmLines}
          format={percent}
          minTop={100}
          read={cpu}
          emptyText="No VM has reported yet"
          {...common}
        />
        <TimeChart
          title="Replicas per VM"
          lines={vmSteps}
          format={count}
          minTop={4}
          read={replicas}
          emptyText="No VM has reported yet"
          {...common}
        />
      </div>
    </section>
  )
})
