// Keeps the charts' history for the whole app run, so leaving the Topology page and coming back does
// not lose the last 15 minutes; the feed behind it never re-renders React.
import { createContext, type ReactNode, useContext, useEffect, useRef, useState } from 'react'
import type { ClusterSnapshot } from '../../../../shared/domain/cluster'
import { useApiClient, useApp } from '../../app-context'
import { type MetricsFeed, type MetricsFeedOptions, startMetricsFeed } from './metrics-feed'
import { MetricsHistory } from './metrics-history'

const MetricsHistoryContext = createContext<MetricsHistory | undefined>(undefined)

export function MetricsHistoryProvider({
  children,
  feedOptions,
}: {
  children: ReactNode
  feedOptions?: MetricsFeedOptions
}) {
  const client = useApiClient()
  const cluster = useApp((state) => state.cluster)
  const connected = useApp((state) => state.connection === 'connected')
  const [history] = useState(() => new MetricsHistory())
  const live = useRef<ClusterSnapshot | undefined>(undefined)
  const feed = useRef<MetricsFeed | undefined>(undefined)

  // Declared first so that the feed, started below on mount, already sees the first snapshot.
  useEffect(() => {
    live.current = connected ? cluster : undefined
    if (cluster) feed.current?.snapshotArrived(cluster)
  }, [cluster, connected])

  useEffect(() => {
    const started = startMetricsFeed(history, client, () => live.current, feedOptions)
    feed.current = started
    if (live.current) started.snapshotArrived(live.current)
    return () => started.stop()
  }, [history, client, feedOptions])

  return <MetricsHistoryContext.Provider value={history}>{children}</MetricsHistoryContext.Provider>
}

export function useMetricsHistory(): MetricsHistory {
  const history = useContext(MetricsHistoryContext)
  if (!history) throw new Error('MetricsHistoryProvider is missing')
  return history
}
