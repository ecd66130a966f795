// Fills the metrics history once a second: the front proxy's traffic (proxy:stats), each VM's CPU and
// replicas from the latest snapshot, scaling decisions from the event log, and, once per VM, its past
// from the core's series so the charts do not start empty.
import type { ProxyStats } from '../../../../shared/api/contract'
import type { ClusterSnapshot } from '../../../../shared/domain/cluster'
import type { ApiClient } from '../../api/client'
import type { MetricsHistory } from './metrics-history'

export interface MetricsFeedOptions {
  intervalMs?: number
}

export interface MetricsFeed {
  /** Tell the feed about every snapshot as it arrives (it reads the clock and new VMs from it). */
  snapshotArrived(snapshot: ClusterSnapshot): void
  /** Records one second now (the timer calls this; tests may too). */
  tick(): Promise<void>
  stop(): void
}

export function startMetricsFeed(
  history: MetricsHistory,
  client: ApiClient,
  /** The latest snapshot while the core is reachable; undefined when the connection is down. */
  liveCluster: () => ClusterSnapshot | undefined,
  { intervalMs = 1000 }: MetricsFeedOptions = {},
): MetricsFeed {
  // Record on the core's clock (the snapshot's `at`), so a browser on another machine lines up with
  // the core's series and the decision log.
  let clockOffsetMs = 0
  const coreNow = () => Date.now() + clockOffsetMs
  const seen = new Set<string>()
  let stopped = false
  let inFlight: Promise<ProxyStats | undefined> | undefined

  const backfill = (vmId: string, name: string) => {
    client
      .call('series:get', { vmId, fromMs: Math.max(0, coreNow() - history.capacity * 1000) })
      .then((series) => {
        if (!stopped && series.kind === 'vm') history.backfillVm(name, series)
      })
      .catch(() => {}) // a VM without reports yet has no series: nothing to draw
  }

  const snapshotArrived = (snapshot: ClusterSnapshot) => {
    clockOffsetMs = snapshot.at - Date.now()
    for (const vm of snapshot.vms) {
      if (seen.has(vm.name)) continue
      seen.add(vm.name)
      backfill(vm.name, vm.name)
    }
  }

  /** The proxy's stats, or undefined when it does not answer (that second stays a gap). */
  const proxyStats = (): Promise<ProxyStats | undefined> =>
    client.call('proxy:stats', {}).then(
      (stats) => stats,
      () => undefined,
    )

  const tick = async () => {
    // A slow call must not pile up behind itself: the chart moves on with a gap for that second.
    inFlight ??= proxyStats().finally(() => {
      inFlight = undefined
    })
    const stats = await within(inFlight, intervalMs * 0.8)
    if (stopped) return
    // One clock reading for the whole second, so a tick never straddles two.
    const now = coreNow()
    if (stats) history.recordTraffic(now, stats)
    const cluster = liveCluster()
    if (cluster) history.recordSnapshot(now, cluster)
    history.advanceTo(now)
    history.notify()
  }

  client
    .call('events:list', { kinds: ['scaling'], limit: 500 })
    .then((events) => !stopped && history.addMarkers(events))
    .catch(() => {})
  const unsubscribe = client.onEvent((event) => {
    if (event.name === 'events:appended') history.addMarkers(event.data)
  })
  const timer = setInterval(() => void tick(), intervalMs)

  return {
    snapshotArrived,
    tick,
    stop: () => {
      stopped = true
      clearInterval(timer)
      unsubscribe()
    },
  }
}

/** `promise`'s value, or undefined once `ms` have passed. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: number | undefined
  const timeout = new Promise<undefined>((resolve) => {
    timer = window.setTimeout(resolve, ms)
  })
  return Promise.race([promise, timeout]).finally(() => window.clearTimeout(timer))
}
