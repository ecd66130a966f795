// The one piece of arithmetic behind every CPU figure the agent reports: cumulative CPU time deltas
// over wall time, as a percentage of the replica's own allotment (100 % = all of its cores).

/** A cumulative CPU-time reading and when it was taken. */
export interface CpuReading {
  /** CPU time used since the replica started, in nanoseconds. */
  usageNanos: number
  /** When it was read, in milliseconds (any clock, as long as both readings use the same one). */
  atMs: number
}

/**
 * CPU use between two readings as a percentage of `cpus` allotted cores: 100 means the replica used
 * its whole allotment. Undefined when there is nothing honest to say: no previous reading yet, no time
 * has passed, the counter went backwards (the replica restarted), or the allotment is not positive.
 * Not capped at 100: a process replica has no hard limit and can use more than its nominal share.
 */
export function cpuPercentOfAllotment(
  previous: CpuReading | undefined,
  current: CpuReading,
  cpus: number,
): number | undefined {
  if (previous === undefined || !(cpus > 0)) return undefined
  const elapsedMs = current.atMs - previous.atMs
  const usedNanos = current.usageNanos - previous.usageNanos
  if (!(elapsedMs > 0) || usedNanos < 0 || !Number.isFinite(usedNanos)) return undefined
  const coresUsed = usedNanos / (elapsedMs * 1e6)
  return (coresUsed / cpus) * 100
}
