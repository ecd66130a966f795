// One replica as a queue at its CPU limit, advanced exactly between events (no time step): processor
// sharing or first come, first served, each request needing the same CPU time.
import type { QueueDiscipline } from './workload'

/** Called for each request that completes: when it arrived and when it left, in seconds. */
export type OnDeparture = (arrivedAt: number, departedAt: number) => void

/**
 * With one fixed cost per request, processor sharing finishes requests in arrival order too, so both
 * disciplines keep a FIFO of finish tags on a "virtual service" clock: under processor sharing it is the
 * service each request present has received (it runs at min(1, cpus / n) cores per request: one request
 * is one thread), under FCFS the work done by the single busy thread (min(1, cpus) cores).
 */
export class ReplicaQueue {
  private arrivedAt = new Float64Array(64)
  private tags = new Float64Array(64)
  private head = 0
  private tail = 0
  private virtual = 0
  private clock: number
  private cpuSeconds = 0
  /** When the last request left; the replica's removal time once it drains. */
  lastDeparture: number

  constructor(
    private readonly cpus: number,
    private readonly costSeconds: number,
    private readonly discipline: QueueDiscipline,
    createdAt: number,
  ) {
    this.clock = createdAt
    this.lastDeparture = createdAt
  }

  get outstanding(): number {
    return this.tail - this.head
  }

  /** Adds a request at time `t`; call advance(t) first. */
  admit(t: number): void {
    if (this.tail === this.tags.length) this.grow()
    const previousTag = this.tail > this.head ? this.tags[this.tail - 1]! : this.virtual
    // FCFS: after everything queued. PS: everyone present progresses alike, so only the clock matters.
    this.tags[this.tail] =
      (this.discipline === 'processor-sharing' ? this.virtual : previousTag) + this.costSeconds
    this.arrivedAt[this.tail] = t
    this.tail++
  }

  /** Serves until `t` (Infinity finishes everything), reporting each request that completes. */
  advance(t: number, onDeparture: OnDeparture): void {
    while (this.tail > this.head) {
      const n = this.tail - this.head
      const perRequest =
        this.discipline === 'processor-sharing' ? Math.min(1, this.cpus / n) : Math.min(1, this.cpus)
      const cores = this.discipline === 'processor-sharing' ? perRequest * n : perRequest
      const tag = this.tags[this.head]!
      const finish = this.clock + (tag - this.virtual) / perRequest
      if (finish > t) {
        this.virtual += (t - this.clock) * perRequest
        this.cpuSeconds += (t - this.clock) * cores
        this.clock = t
        return
      }
      this.cpuSeconds += (finish - this.clock) * cores
      this.clock = finish
      this.virtual = tag
      this.lastDeparture = finish
      onDeparture(this.arrivedAt[this.head]!, finish)
      this.head++
    }
    this.clock = Math.max(this.clock, t)
  }

  /** CPU core-seconds used since the last call (for the 1 s utilization samples). */
  takeCpuSeconds(): number {
    const used = this.cpuSeconds
    this.cpuSeconds = 0
    return used
  }

  private grow(): void {
    const live = this.tail - this.head
    // Compact in place when at least half is spent; otherwise double.
    const size = live * 2 > this.tags.length ? this.tags.length * 2 : this.tags.length
    const tags = new Float64Array(size)
    const arrivedAt = new Float64Array(size)
    tags.set(this.tags.subarray(this.head, this.tail))
    arrivedAt.set(this.arrivedAt.subarray(this.head, this.tail))
    this.tags = tags
    this.arrivedAt = arrivedAt
    this.head = 0
    this.tail = live
  }
}
