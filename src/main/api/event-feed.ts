// Streams control-API events to one subscriber (a window or a WebSocket), throttled so that a busy
// cluster cannot flood a UI: at most one push per interval, with what changed in the cluster and the
// decision-log entries appended since the previous push. The cluster goes whole when the subscriber
// opens and then every FULL_SNAPSHOT_INTERVAL_MS; between those, as deltas against what it was last sent
// (only the VMs the store says changed are looked at, and only their changed fields are sent).
import type { ApiEvent } from '../../shared/api/contract'
import type { VmInfo } from '../../shared/domain/cluster'
import { type ClusterDelta, type VmPatch, vmPatch } from '../../shared/domain/cluster-delta'
import type { ClusterEvent } from '../../shared/domain/events'
import type { ClusterStore } from '../cluster/cluster-store'
import type { EventLog } from '../cluster/event-log'
import type { TrafficService } from '../traffic/traffic-service'

/** Pushes at most this often: a report reaches the UI within it (plus the transport), well under 250 ms. */
export const SNAPSHOT_INTERVAL_MS = 200
/** A whole snapshot this often (while the cluster changes), so that a client that missed a delta recovers. */
export const FULL_SNAPSHOT_INTERVAL_MS = 30_000

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
  fullIntervalMs = FULL_SNAPSHOT_INTERVAL_MS,
): () => void {
  let timer: NodeJS.Timeout | undefined
  let lastSentAt = 0
  let appended: ClusterEvent[] = []
  // What the subscriber holds: the VMs it was sent, as of `shownAt`.
  const shown = new Map<string, VmInfo>()
  let shownAt = Number.NEGATIVE_INFINITY
  let shownProxyUrl: string | null = null
  let fullAt = Number.NEGATIVE_INFINITY
  // Changed since the last push: these VMs, or (undefined from the store) everything.
  const dirty = new Set<string>()
  let everything = true

  const sendFull = (at: number) => {
    const snapshot = store.snapshot(at)
    shown.clear()
    for (const vm of snapshot.vms) shown.set(vm.name, vm)
    shownProxyUrl = snapshot.proxyUrl
    shownAt = fullAt = at
    send({ name: 'cluster:snapshot', data: snapshot })
  }

  const sendDelta = (at: number) => {
    const vms: VmPatch[] = []
    const removed: string[] = []
    for (const name of dirty) {
      const next = store.vmInfo(name)
      const previous = shown.get(name)
      if (!next) {
        if (previous && shown.delete(name)) removed.push(name)
        continue
      }
      const patch = vmPatch(previous, next)
      if (!patch) continue
      shown.set(name, next)
      vms.push(patch)
    }
    const proxyUrlChanged = store.proxyUrl !== shownProxyUrl
    if (vms.length === 0 && removed.length === 0 && !proxyUrlChanged) return
    const delta: ClusterDelta = {
      since: shownAt,
      at,
      vms,
      removed,
      ...(proxyUrlChanged && { proxyUrl: store.proxyUrl }),
    }
    shownProxyUrl = store.proxyUrl
    shownAt = at
    send({ name: 'cluster:delta', data: delta })
  }

  const flush = () => {
    timer = undefined
    const now = Date.now()
    lastSentAt = now
    // Strictly increasing, so that a delta names exactly the snapshot it applies to.
    const at = Math.max(now, shownAt + 1)
    if (everything || (dirty.size > 0 && at - fullAt >= fullIntervalMs)) sendFull(at)
    else if (dirty.size > 0) sendDelta(at)
    everything = false
    dirty.clear()
    if (appended.length > 0) send({ name: 'events:appended', data: appended })
    appended = []
  }
  const schedule = () => {
    if (timer) return
    timer = setTimeout(flush, Math.max(0, lastSentAt + intervalMs - Date.now()))
  }

  flush()
  const unsubscribeStore = store.subscribe((vmName) => {
    if (vmName === undefined) everything = true
    else dirty.add(vmName)
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
