// Streams control-API events to one subscriber (a window or a WebSocket), throttled so that a busy
// cluster cannot flood a UI: at most one push per interval, with the latest snapshot and the decision-log
// entries appended since the previous push.
import type { ApiEvent } from '../../shared/api/contract'
import type { ClusterEvent } from '../../shared/domain/events'
import type { ClusterStore } from '../cluster/cluster-store'
import type { EventLog } from '../cluster/event-log'
import type { TrafficService } from '../traffic/traffic-service'

export const SNAPSHOT_INTERVAL_MS = 250

export type DeployFeedEvent = Extract<ApiEvent, { name: 'deploy:progress' | 'deploy:log' }>

export interface FeedSources {
  store: ClusterStore
  events?: EventLog
  traffic?: Pick<TrafficService, 'subscribe'>
  /** Deploy progress and log lines, already batched by their source. */
  deploy?: { subscribe(listener: (event: DeployFeedEvent) => void): () => void }
}

export function openEventFeed(
  { store, events, traffic, deploy }: FeedSources,
  send: (event: ApiEvent) => void,
  intervalMs = SNAPSHOT_INTERVAL_MS,
): () => void {
  let timer: NodeJS.Timeout | undefined
  let lastSentAt = 0
  let clusterChanged = true
  let appended: ClusterEvent[] = []

  const flush = () => {
    timer = undefined
    lastSentAt = Date.now()
    if (clusterChanged) send({ name: 'cluster:snapshot', data: store.snapshot() })
    if (appended.length > 0) send({ name: 'events:appended', data: appended })
    clusterChanged = false
    appended = []
  }
  const schedule = () => {
    if (timer) return
    timer = setTimeout(flush, Math.max(0, lastSentAt + intervalMs - Date.now()))
  }

  flush()
  const unsubscribeStore = store.subscribe(() => {
    clusterChanged = true
    schedule()
  })
  const unsubscribeEvents = events?.subscribe((event) => {
    appended.push(event)
    schedule()
  })

  // Already once a second per run: passed through as they come, not throttled with the snapshots.
  const unsubscribeTraffic = traffic?.subscribe((snapshot) =>
    send({ name: 'traffic:snapshot', data: snapshot }),
  )

  const unsubscribeDeploy = deploy?.subscribe(send)

  return () => {
    unsubscribeDeploy?.()
    unsubscribeTraffic?.()
    unsubscribeStore()
    unsubscribeEvents?.()
    clearTimeout(timer)
  }
}
