// Streams control-API events to one subscriber (a window or a WebSocket), throttled so that a busy
// cluster cannot flood a UI: at most one snapshot per interval, and always the latest one.
import type { ApiEvent } from '../../shared/api/contract'
import type { ClusterStore } from '../cluster/cluster-store'

export const SNAPSHOT_INTERVAL_MS = 250

export function openEventFeed(
  store: ClusterStore,
  send: (event: ApiEvent) => void,
  intervalMs = SNAPSHOT_INTERVAL_MS,
): () => void {
  let timer: NodeJS.Timeout | undefined
  let lastSentAt = 0

  const sendSnapshot = () => {
    timer = undefined
    lastSentAt = Date.now()
    send({ name: 'cluster:snapshot', data: store.snapshot() })
  }

  sendSnapshot()
  const unsubscribe = store.subscribe(() => {
    if (timer) return
    timer = setTimeout(sendSnapshot, Math.max(0, lastSentAt + intervalMs - Date.now()))
  })

  return () => {
    unsubscribe()
    clearTimeout(timer)
  }
}
