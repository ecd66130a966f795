// Per-VM and per-container metric history for the charts: fixed-size rings of 1 s slots in typed
// arrays, so that a busy cluster's 1 Hz reports allocate nothing and memory stays bounded.
import {
  CONTAINER_METRICS,
  type ContainerMetric,
  type ContainerSeriesResponse,
  SERIES_STEP_MS,
  type SeriesQuery,
  type SeriesResponse,
  VM_METRICS,
  type VmMetric,
  type VmSeriesResponse,
} from '../../shared/domain/time-series'

/** 15 minutes at one point a second. */
export const DEFAULT_SERIES_SECONDS = 900

/**
 * One second's values. A missing field leaves what another writer already put in that second (the
 * agent report and the front proxy may each fill some fields); null records "no value" explicitly.
 */
export type Sample<F extends string> = { readonly [K in F]?: number | null }

export interface SeriesRange {
  /** Milliseconds since the epoch, whole seconds, ascending, one per second (gaps included). */
  times: number[]
  values: (number | null)[]
}

export interface SeriesRanges<F extends string> {
  times: number[]
  series: Record<F, (number | null)[]>
}

const mod = (n: number, m: number) => ((n % m) + m) % m

/**
 * One subject's metrics on one time axis. Slot `second % capacity` holds that second's sample for every
 * field, so an append is O(1), timestamps need not be stored, and a second without a report reads as a
 * gap (null) rather than a line drawn across it.
 */
export class SeriesRing<F extends string> {
  /** Slot-major (slot × fields + field), so one append writes neighbouring memory. */
  private readonly slots: Float64Array
  private readonly width: number
  private newest = Number.NEGATIVE_INFINITY
  /** The first second ever written: a ring younger than its capacity has no history before it. */
  private oldest = Number.POSITIVE_INFINITY

  constructor(
    readonly fields: readonly F[],
    readonly capacity = DEFAULT_SERIES_SECONDS,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a whole number ≥ 1')
    this.width = fields.length
    this.slots = new Float64Array(capacity * this.width).fill(Number.NaN)
  }

  get byteLength(): number {
    return this.slots.byteLength
  }

  /** Records `sample` for the second that contains `atMs`. Samples older than the window are dropped. */
  append(atMs: number, sample: Sample<F>): void {
    const second = Math.floor(atMs / SERIES_STEP_MS)
    // Written as a negation so that a NaN time is dropped too.
    if (!(second > this.newest - this.capacity)) return
    if (second > this.newest) {
      this.clearSeconds(this.newest + 1, second)
      this.newest = second
    }
    if (second < this.oldest) this.oldest = second
    const base = mod(second, this.capacity) * this.width
    for (let f = 0; f < this.width; f++) {
      const value = sample[this.fields[f]!]
      if (value !== undefined) this.slots[base + f] = value === null ? Number.NaN : value
    }
  }

  /** The newest second's value of `field`, or null. */
  latest(field: F): number | null {
    if (this.newest === Number.NEGATIVE_INFINITY) return null
    const value = this.slots[mod(this.newest, this.capacity) * this.width + this.fieldIndex(field)]!
    return Number.isNaN(value) ? null : value
  }

  /** One field from `fromMs` (inclusive) to the newest sample, for a chart. */
  range(fromMs: number, field: F): SeriesRange {
    const f = this.fieldIndex(field)
    const times: number[] = []
    const values: (number | null)[] = []
    for (let second = this.firstSecond(fromMs); second <= this.newest; second++) {
      times.push(second * SERIES_STEP_MS)
      const value = this.slots[mod(second, this.capacity) * this.width + f]!
      values.push(Number.isNaN(value) ? null : value)
    }
    return { times, values }
  }

  /** Every field from `fromMs` on, sharing one time axis. */
  rangeAll(fromMs: number): SeriesRanges<F> {
    const times: number[] = []
    const series = Object.fromEntries(this.fields.map((field) => [field, []])) as unknown as Record<
      F,
      (number | null)[]
    >
    const columns = this.fields.map((field) => series[field])
    for (let second = this.firstSecond(fromMs); second <= this.newest; second++) {
      times.push(second * SERIES_STEP_MS)
      const base = mod(second, this.capacity) * this.width
      for (let f = 0; f < this.width; f++) {
        const value = this.slots[base + f]!
        columns[f]!.push(Number.isNaN(value) ? null : value)
      }
    }
    return { times, series }
  }

  private firstSecond(fromMs: number): number {
    return Math.max(Math.ceil(fromMs / SERIES_STEP_MS), this.newest - this.capacity + 1, this.oldest)
  }

  /** Marks seconds `from..to` as unreported; `fill` on the typed array allocates nothing. */
  private clearSeconds(from: number, to: number): void {
    if (to - from + 1 >= this.capacity) {
      this.slots.fill(Number.NaN)
      return
    }
    const start = mod(from, this.capacity)
    const end = mod(to, this.capacity)
    if (start <= end) this.slots.fill(Number.NaN, start * this.width, (end + 1) * this.width)
    else {
      this.slots.fill(Number.NaN, start * this.width)
      this.slots.fill(Number.NaN, 0, (end + 1) * this.width)
    }
  }

  private fieldIndex(field: F): number {
    const index = this.fields.indexOf(field)
    if (index < 0) throw new RangeError(`unknown series field '${field}'`)
    return index
  }
}

export type VmSample = Sample<VmMetric>
export type ContainerSample = Sample<ContainerMetric>

/**
 * The history of the whole cluster. Containers are kept per VM (nested maps rather than a joined key, so
 * an append builds no string), and forgetting a VM frees its containers' rings too.
 */
export class ClusterSeries {
  private readonly vms = new Map<string, SeriesRing<VmMetric>>()
  private readonly containers = new Map<string, Map<string, SeriesRing<ContainerMetric>>>()

  constructor(readonly capacity = DEFAULT_SERIES_SECONDS) {}

  recordVm(vmId: string, atMs: number, sample: VmSample): void {
    let ring = this.vms.get(vmId)
    if (!ring) {
      ring = new SeriesRing(VM_METRICS, this.capacity)
      this.vms.set(vmId, ring)
    }
    ring.append(atMs, sample)
  }

  recordContainer(vmId: string, containerId: string, atMs: number, sample: ContainerSample): void {
    let ofVm = this.containers.get(vmId)
    if (!ofVm) {
      ofVm = new Map()
      this.containers.set(vmId, ofVm)
    }
    let ring = ofVm.get(containerId)
    if (!ring) {
      ring = new SeriesRing(CONTAINER_METRICS, this.capacity)
      ofVm.set(containerId, ring)
    }
    ring.append(atMs, sample)
  }

  vmRing(vmId: string): SeriesRing<VmMetric> | undefined {
    return this.vms.get(vmId)
  }

  containerRing(vmId: string, containerId: string): SeriesRing<ContainerMetric> | undefined {
    return this.containers.get(vmId)?.get(containerId)
  }

  vmRange(vmId: string, fromMs = 0): VmSeriesResponse | undefined {
    const ring = this.vms.get(vmId)
    return ring && { kind: 'vm', vmId, ...ring.rangeAll(fromMs) }
  }

  containerRange(vmId: string, containerId: string, fromMs = 0): ContainerSeriesResponse | undefined {
    const ring = this.containerRing(vmId, containerId)
    return ring && { kind: 'container', vmId, containerId, ...ring.rangeAll(fromMs) }
  }

  /** Answers the control API's series query; undefined when nothing was ever recorded for the subject. */
  query({ vmId, containerId, fromMs }: SeriesQuery): SeriesResponse | undefined {
    return containerId === undefined
      ? this.vmRange(vmId, fromMs)
      : this.containerRange(vmId, containerId, fromMs)
  }

  /** Frees the VM's history and its containers'. */
  forgetVm(vmId: string): void {
    this.vms.delete(vmId)
    this.containers.delete(vmId)
  }

  forgetContainer(vmId: string, containerId: string): void {
    const ofVm = this.containers.get(vmId)
    if (!ofVm) return
    ofVm.delete(containerId)
    if (ofVm.size === 0) this.containers.delete(vmId)
  }

  /** Forgets the VM's containers that are not in `present` (the ids in its latest report). */
  retainContainers(vmId: string, present: ReadonlySet<string>): void {
    const ofVm = this.containers.get(vmId)
    if (!ofVm) return
    for (const containerId of ofVm.keys()) if (!present.has(containerId)) ofVm.delete(containerId)
    if (ofVm.size === 0) this.containers.delete(vmId)
  }

  /** How much is kept: subjects and the bytes of their rings. */
  stats(): { vms: number; containers: number; bytes: number } {
    let containers = 0
    let bytes = 0
    for (const ring of this.vms.values()) bytes += ring.byteLength
    for (const ofVm of this.containers.values()) {
      containers += ofVm.size
      for (const ring of ofVm.values()) bytes += ring.byteLength
    }
    return { vms: this.vms.size, containers, bytes }
  }
}
