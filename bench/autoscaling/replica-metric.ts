// What each policy's loop sees of one replica's CPU: ours through the agent's own UtilizationWindow (the
// code the agent and the VIM feed the policy with), HPA as metrics-server's mean over the last 15 s.
import { UtilizationWindow } from '../../src/shared/policy/utilization-window'

export type MetricFeed = 'agent-window' | 'metrics-server'

export interface ReplicaMetric {
  /** One 1 s sample: CPU used over the past second as a fraction of the limit. */
  push(atMs: number, utilization: number): void
  /** The mean the policy gets now, or undefined while the replica has no full window yet. */
  value(nowMs: number): number | undefined
}

export function replicaMetric(feed: MetricFeed, windowSeconds: number): ReplicaMetric {
  const windowMs = windowSeconds * 1000
  if (feed === 'agent-window') {
    const window = new UtilizationWindow()
    return {
      push: (atMs, utilization) => window.push(atMs, utilization * 100, windowMs),
      value: (nowMs) => window.utilization(nowMs, windowMs),
    }
  }
  // Exactly the last `windowSeconds` one-second samples: a 15 s resolution mean, no more, no less.
  const size = Math.max(1, Math.round(windowSeconds))
  const ring = new Float64Array(size)
  let count = 0
  let sum = 0
  return {
    push: (_atMs, utilization) => {
      const slot = count % size
      if (count >= size) sum -= ring[slot]!
      ring[slot] = utilization
      sum += utilization
      count++
    },
    value: () => (count >= size ? sum / size : undefined),
  }
}
