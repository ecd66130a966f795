// The hub benchmark's UI: a real WebSocket client of the VIM's event stream (/api/v1/stream), as the
// browser UI is one. It holds the cluster as the renderer does (full snapshots, deltas applied on top),
// counts the bytes it receives, and times each report from the agent's send stamp to its arrival here.
import WebSocket from 'ws'
import type { ApiEvent } from '../../src/shared/api/contract'
import type { ClusterSnapshot, VmInfo } from '../../src/shared/domain/cluster'
import { applyClusterDelta } from '../../src/shared/domain/cluster-delta'
import { readStamp } from './report-stamp'

export interface UiFeedWindow {
  seconds: number
  /** Bytes of every stream message received in the window (JSON text, as the transport carries it). */
  bytes: number
  messages: number
  /** Of `bytes`, those of full snapshots (on connect, then every FULL_SNAPSHOT_INTERVAL_MS). */
  fullBytes: number
  fullSnapshots: number
  deltas: number
  /** Deltas that did not apply to the snapshot held (a gap in the feed); 0 when the feed is sound. */
  deltasRefused: number
  /** Report sent by an agent → the message carrying it reached this client, in ms, sorted. */
  reportToUiMs: number[]
  /** The size of the last full snapshot received (the one on connect, at least). */
  fullSnapshotBytes: number
  /** VMs in the cluster this client holds at the end. */
  vms: number
}

export interface UiFeedClient {
  /** Resolves once the first full snapshot arrived. */
  readonly ready: Promise<void>
  measureStart(): void
  measureStop(): UiFeedWindow
  close(): Promise<void>
}

export function openUiFeedClient(url: string, token: string): UiFeedClient {
  const socket = new WebSocket(url, {
    headers: { Authorization: `Bearer ${token}` },
    perMessageDeflate: false,
  })
  let cluster: ClusterSnapshot | undefined
  const lastStamp = new Map<string, number>()
  let measuring = false
  let startedAt = 0
  let counts = { bytes: 0, messages: 0, fullBytes: 0, fullSnapshots: 0, deltas: 0, deltasRefused: 0 }
  let latencies: number[] = []
  let fullSnapshotBytes = 0

  const stamped = (vm: VmInfo | undefined, now: number) => {
    const stamp = readStamp(vm?.agent?.recommendation?.reason)
    if (!vm || stamp === undefined || lastStamp.get(vm.name) === stamp) return
    lastStamp.set(vm.name, stamp)
    if (measuring) latencies.push(now - stamp)
  }

  const ready = new Promise<void>((resolve, reject) => {
    socket.on('error', reject)
    socket.on('close', (code, reason) => reject(new Error(`UI stream closed ${code} ${reason.toString()}`)))
    socket.on('message', (data: Buffer) => {
      const now = Date.now()
      const text = data.toString()
      const message = JSON.parse(text) as { type: string } & Partial<ApiEvent>
      if (measuring) {
        counts.bytes += data.length
        counts.messages++
      }
      if (message.name === 'cluster:snapshot') {
        cluster = message.data as ClusterSnapshot
        fullSnapshotBytes = data.length
        if (measuring) {
          counts.fullSnapshots++
          counts.fullBytes += data.length
        }
        for (const vm of cluster.vms) stamped(vm, now)
        resolve()
      } else if (message.name === 'cluster:delta' && cluster) {
        const delta = message.data as Extract<ApiEvent, { name: 'cluster:delta' }>['data']
        const next = applyClusterDelta(cluster, delta)
        if (measuring) counts.deltas++
        if (!next) {
          if (measuring) counts.deltasRefused++
          return
        }
        cluster = next
        const byName = new Map(next.vms.map((vm) => [vm.name, vm]))
        for (const patch of delta.vms) if (patch.agent !== undefined) stamped(byName.get(patch.name), now)
      }
    })
  })
  ready.catch(() => {})

  return {
    ready,
    measureStart: () => {
      counts = { bytes: 0, messages: 0, fullBytes: 0, fullSnapshots: 0, deltas: 0, deltasRefused: 0 }
      latencies = []
      startedAt = performance.now()
      measuring = true
    },
    measureStop: () => {
      measuring = false
      return {
        seconds: (performance.now() - startedAt) / 1000,
        ...counts,
        reportToUiMs: latencies.sort((a, b) => a - b),
        fullSnapshotBytes,
        vms: cluster?.vms.length ?? 0,
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve()
        socket.once('close', () => resolve())
        socket.close(1000, 'bench over')
      }),
  }
}
