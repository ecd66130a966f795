// The seam between the collector and where numbers come from (cgroup files, Docker's stats stream,
// /proc): each replica gets one UsageSource, opened once and read once a second.
import type { ReplicaHandle } from '../runtime/runtime'

/** What the collector needs to know about a replica to measure it. */
export type StatsTarget = Pick<ReplicaHandle, 'id' | 'cpus'>

/** One raw reading: cumulative counters, before any delta math. */
export interface UsageSample {
  /** CPU time used since the replica started, in nanoseconds. */
  cpuNanos: number
  /** Memory in use (working set: resident memory without reclaimable file cache), in bytes. */
  memoryBytes: number
  /**
   * When the source itself took the reading, in ms on its own clock (Docker's stream stamps its
   * samples). Absent: the collector stamps it with its clock as the read returns.
   */
  sampledAt?: number
}

export interface UsageSource {
  /** Which mechanism measures this replica; reported so that a person can see a fallback is in use. */
  readonly kind: 'cgroup-v1' | 'cgroup-v2' | 'docker-stream' | 'proc'
  /** The latest reading, or undefined when none is available (not yet streamed, replica gone). */
  read(): Promise<UsageSample | undefined>
  close(): void
}

/** Opens the right UsageSource for a replica of one runtime. */
export interface StatsProbe {
  open(target: StatsTarget): Promise<UsageSource>
  close?(): void
}
