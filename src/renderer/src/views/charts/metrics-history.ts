// The cluster charts' memory: the last 15 minutes at one point a second, in fixed rings of typed arrays
// (slot = second mod capacity, NaN = no sample), so 1 Hz updates allocate nothing and memory is bounded.
// Fed by the metrics feed; read by the charts, which redraw when it notifies them.
import type { ProxyStats } from '../../../../shared/api/contract'
import type { ClusterSnapshot } from '../../../../shared/domain/cluster'
import type { ClusterEvent } from '../../../../shared/domain/events'
import type { VmSeriesResponse } from '../../../../shared/domain/time-series'

/** 15 minutes, the longest range the charts offer (and what the core keeps per VM). */
export const HISTORY_SECONDS = 900

/** uPlot's shape: shared x values (seconds since the epoch), then one column per line; null is a gap. */
export type ChartColumns = [number[], ...(number | null)[][]]

export interface ScalingMarker {
  readonly id: number
  readonly atSec: number
  readonly vmId?: string
  readonly message: string
}

export interface HistoryVm {
  readonly id: string
  readonly name: string
}

interface VmRings {
  name: string
  cpuPercent: Float64Array
  replicas: Float64Array
  lastSecond: number
}

type Traffic = Pick<ProxyStats, 'requestRate' | 'errorRate' | 'latencyMsP50' | 'latencyMsP95'>

const ring = (capacity: number) => new Float64Array(capacity).fill(Number.NaN)
const mod = (n: number, m: number) => ((n % m) + m) % m
const EMPTY_RING = new Float64Array(0)
const byName = (a: HistoryVm, b: HistoryVm) => a.name.localeCompare(b.name, 'en', { numeric: true })

export class MetricsHistory {
  private newest = Number.NEGATIVE_INFINITY
  private readonly requestRate: Float64Array
  /** The VMs' own request rates summed, from the core's series: the chart's past before we polled. */
  private readonly backfilledRate: Float64Array
  private readonly errorRate: Float64Array
  private readonly latencyP50: Float64Array
  private readonly latencyP95: Float64Array
  private readonly vmRings = new Map<string, VmRings>()
  private readonly backfilled = new Set<string>()
  private markers: ScalingMarker[] = []
  private vmList: HistoryVm[] = []
  private readonly listeners = new Set<() => void>()

  constructor(readonly capacity = HISTORY_SECONDS) {
    this.requestRate = ring(capacity)
    this.backfilledRate = ring(capacity)
    this.errorRate = ring(capacity)
    this.latencyP50 = ring(capacity)
    this.latencyP95 = ring(capacity)
  }

  /** The newest second recorded, or -Infinity before the first sample. */
  get newestSecond(): number {
    return this.newest
  }

  /** VMs with data in the window, by name; a new array only when the set changes. */
  vms(): readonly HistoryVm[] {
    return this.vmList
  }

  /** Moves "now" forward: seconds skipped since the last sample become gaps, the oldest fall out. */
  advanceTo(atMs: number): void {
    const second = Math.floor(atMs / 1000)
    if (!(second > this.newest)) return
    const from = Math.max(this.newest + 1, second - this.capacity + 1)
    for (let s = from; s <= second; s++) {
      const slot = mod(s, this.capacity)
      this.requestRate[slot] = Number.NaN
      this.backfilledRate[slot] = Number.NaN
      this.errorRate[slot] = Number.NaN
      this.latencyP50[slot] = Number.NaN
      this.latencyP95[slot] = Number.NaN
      for (const vm of this.vmRings.values()) {
        vm.cpuPercent[slot] = Number.NaN
        vm.replicas[slot] = Number.NaN
      }
    }
    this.newest = second
    let removed = false
    for (const [id, vm] of this.vmRings) {
      if (vm.lastSecond <= second - this.capacity) {
        this.vmRings.delete(id)
        removed = true
      }
    }
    if (removed) this.refreshVmList()
    const oldest = second - this.capacity
    if (this.markers.length > 0 && this.markers[0]!.atSec <= oldest) {
      this.markers = this.markers.filter((marker) => marker.atSec > oldest)
    }
  }

  /** The front proxy's view: cluster request rate, errors, latency. Latency without requests is a gap. */
  recordTraffic(atMs: number, traffic: Traffic): void {
    const slot = this.slotFor(atMs)
    if (slot < 0) return
    this.requestRate[slot] = traffic.requestRate
    this.errorRate[slot] = traffic.errorRate
    const served = traffic.requestRate > 0
    this.latencyP50[slot] = served ? traffic.latencyMsP50 : Number.NaN
    this.latencyP95[slot] = served ? traffic.latencyMsP95 : Number.NaN
  }

  /** Each VM's CPU and replicas at `atMs`, from the latest snapshot. */
  recordSnapshot(atMs: number, snapshot: ClusterSnapshot): void {
    const slot = this.slotFor(atMs)
    if (slot < 0) return
    let added = false
    for (const vm of snapshot.vms) {
      let rings = this.vmRings.get(vm.name)
      if (!rings) {
        rings = {
          name: vm.name,
          cpuPercent: ring(this.capacity),
          replicas: ring(this.capacity),
          lastSecond: 0,
        }
        this.vmRings.set(vm.name, rings)
        added = true
      }
      rings.cpuPercent[slot] = vm.cpuPercent
      rings.replicas[slot] = vm.containers.length
      rings.lastSecond = this.newest
    }
    if (added) this.refreshVmList()
  }

  /** The core's history of one VM, so the charts have a past; used once per VM, never over live data. */
  backfillVm(name: string, series: VmSeriesResponse): void {
    if (this.backfilled.has(series.vmId)) return
    this.backfilled.add(series.vmId)
    const last = series.times.at(-1)
    if (last !== undefined) this.advanceTo(last)
    let rings = this.vmRings.get(series.vmId)
    if (!rings) {
      rings = {
        name,
        cpuPercent: ring(this.capacity),
        replicas: ring(this.capacity),
        lastSecond: this.newest,
      }
      this.vmRings.set(series.vmId, rings)
      this.refreshVmList()
    }
    series.times.forEach((atMs, i) => {
      const slot = this.slotFor(atMs)
      if (slot < 0) return
      const cpu = series.series.cpuPercent[i]
      const replicas = series.series.replicas[i]
      const rate = series.series.requestRate[i]
      if (cpu != null && Number.isNaN(rings.cpuPercent[slot]!)) rings.cpuPercent[slot] = cpu
      if (replicas != null && Number.isNaN(rings.replicas[slot]!)) rings.replicas[slot] = replicas
      if (rate != null) {
        const sum = this.backfilledRate[slot]!
        this.backfilledRate[slot] = Number.isNaN(sum) ? rate : sum + rate
      }
    })
  }

  /** Keeps the scaling decisions among `events` as markers on the time axis. */
  addMarkers(events: readonly ClusterEvent[]): void {
    const known = new Set(this.markers.map((marker) => marker.id))
    const oldest = this.newest - this.capacity
    let added = false
    for (const event of events) {
      const atSec = Math.floor(event.at / 1000)
      if (event.kind !== 'scaling' || known.has(event.id) || atSec <= oldest) continue
      this.markers.push({
        id: event.id,
        atSec,
        message: event.message,
        ...(event.vmId !== undefined && { vmId: event.vmId }),
      })
      added = true
    }
    if (added) this.markers.sort((a, b) => a.atSec - b.atSec || a.id - b.id)
  }

  markersSince(fromSec: number): readonly ScalingMarker[] {
    return this.markers.filter((marker) => marker.atSec >= fromSec)
  }

  /** The last `seconds` of the cluster's request rate: the proxy's, or the VMs' sum before we polled. */
  requestRateColumns(seconds: number): ChartColumns {
    return this.columns(seconds, [this.requestRate], (slot) => {
      const live = this.requestRate[slot]!
      return Number.isNaN(live) ? this.backfilledRate[slot]! : live
    })
  }

  latencyColumns(seconds: number): ChartColumns {
    return this.columns(seconds, [this.latencyP50, this.latencyP95])
  }

  errorRateColumns(seconds: number): ChartColumns {
    return this.columns(seconds, [this.errorRate])
  }

  /** One column per VM of `vms` (what the chart drew lines for); a VM gone since is all gaps. */
  vmColumns(metric: 'cpuPercent' | 'replicas', seconds: number, vms: readonly HistoryVm[]): ChartColumns {
    return this.columns(
      seconds,
      vms.map((vm) => this.vmRings.get(vm.id)?.[metric] ?? EMPTY_RING),
    )
  }

  /** Calls `listener` after each tick of the feed; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  notify(): void {
    for (const listener of this.listeners) listener()
  }

  /** The ring slot of `atMs`, advancing "now" if it is newer; -1 when it fell out of the window. */
  private slotFor(atMs: number): number {
    const second = Math.floor(atMs / 1000)
    if (second > this.newest) this.advanceTo(atMs)
    if (!(second > this.newest - this.capacity)) return -1
    return mod(second, this.capacity)
  }

  private refreshVmList(): void {
    this.vmList = [...this.vmRings].map(([id, vm]) => ({ id, name: vm.name })).sort(byName)
  }

  /** Unrolls rings into uPlot columns for the last `seconds`, oldest first; NaN becomes a gap. */
  private columns(
    seconds: number,
    rings: readonly Float64Array[],
    first?: (slot: number) => number,
  ): ChartColumns {
    const length = Math.min(seconds, this.capacity)
    const known = Number.isFinite(this.newest)
    // Never more than `capacity` back from the newest second, so every slot read belongs to the window.
    const start = (known ? this.newest : Math.floor(Date.now() / 1000)) - length + 1
    const startSlot = mod(start, this.capacity)
    const times = new Array<number>(length)
    for (let i = 0; i < length; i++) times[i] = start + i
    const columns = rings.map((values, r) => {
      const column = new Array<number | null>(length)
      for (let i = 0; i < length; i++) {
        let slot = startSlot + i
        if (slot >= this.capacity) slot -= this.capacity
        const value = !known ? Number.NaN : r === 0 && first ? first(slot) : (values[slot] ?? Number.NaN)
        column[i] = Number.isNaN(value) ? null : value
      }
      return column
    })
    return [times, ...columns]
  }
}
