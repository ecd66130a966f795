// Measures the current replica set once a second: keeps one UsageSource and the previous reading per
// replica, opens sources for replicas that appear and closes those of replicas that went away.
import { type CpuReading, cpuPercentOfAllotment } from './cpu-percent'
import type { StatsProbe, StatsTarget, UsageSource } from './usage-source'

export interface ReplicaStats {
  id: string
  /** CPU use as a percentage of the replica's own allotment; undefined until two readings exist. */
  cpuPercent: number | undefined
  /** Working-set memory in bytes; undefined when the replica could not be read. */
  memoryBytes: number | undefined
  /** When this round was taken (the collector's clock, epoch ms). */
  at: number
}

export interface StatsCollectorOptions {
  /** Epoch milliseconds; should not jump (the default is monotonic), as CPU % divides by its deltas. */
  now?: () => number
}

interface Tracked {
  source: Promise<UsageSource | undefined>
  previous?: CpuReading
  lastPercent?: number
}

const monotonicEpochMs = () => performance.timeOrigin + performance.now()

export class StatsCollector {
  private readonly tracked = new Map<string, Tracked>()
  private readonly now: () => number
  private queue: Promise<unknown> = Promise.resolve()
  private closed = false

  constructor(
    private readonly probe: StatsProbe,
    options: StatsCollectorOptions = {},
  ) {
    this.now = options.now ?? monotonicEpochMs
  }

  /**
   * One measurement round for exactly these replicas, in their order. Rounds never overlap: a call
   * made while one is running waits for it, so that readings stay in order.
   */
  collect(replicas: readonly StatsTarget[]): Promise<ReplicaStats[]> {
    const round = this.queue.then(() => this.round(replicas))
    this.queue = round.catch(() => {})
    return round
  }

  /** Closes every source (streams, open files); the collector cannot be used afterwards. */
  close(): void {
    this.closed = true
    for (const id of [...this.tracked.keys()]) this.forget(id)
    this.probe.close?.()
  }

  private async round(replicas: readonly StatsTarget[]): Promise<ReplicaStats[]> {
    if (this.closed) throw new Error('StatsCollector is closed')
    const at = this.now()
    const current = new Set(replicas.map((replica) => replica.id))
    for (const id of [...this.tracked.keys()]) if (!current.has(id)) this.forget(id)
    return Promise.all(replicas.map((replica) => this.measure(replica, at)))
  }

  private async measure(replica: StatsTarget, at: number): Promise<ReplicaStats> {
    const tracked = this.track(replica)
    const source = await tracked.source
    const sample = await source?.read().catch(() => undefined)
    if (sample === undefined) return { id: replica.id, cpuPercent: undefined, memoryBytes: undefined, at }

    const reading: CpuReading = { usageNanos: sample.cpuNanos, atMs: sample.sampledAt ?? this.now() }
    // A streamed source may not have a new sample since the last round: repeat the last figure
    // rather than divide by zero time.
    if (tracked.previous?.atMs !== reading.atMs) {
      tracked.lastPercent = cpuPercentOfAllotment(tracked.previous, reading, replica.cpus)
      tracked.previous = reading
    }
    return { id: replica.id, cpuPercent: tracked.lastPercent, memoryBytes: sample.memoryBytes, at }
  }

  private track(replica: StatsTarget): Tracked {
    const existing = this.tracked.get(replica.id)
    if (existing) return existing
    const tracked: Tracked = {
      source: this.probe.open(replica).catch(() => {
        // Try again next round rather than never measuring this replica.
        if (this.tracked.get(replica.id) === tracked) this.tracked.delete(replica.id)
        return undefined
      }),
    }
    this.tracked.set(replica.id, tracked)
    return tracked
  }

  private forget(id: string): void {
    const tracked = this.tracked.get(id)
    this.tracked.delete(id)
    tracked?.source.then((source) => source?.close()).catch(() => {})
  }
}
