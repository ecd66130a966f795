// The workload model both policies face: what a request costs, how big a replica is, how long one takes
// to start, and the lab's bounds. Every figure can be replaced by a measurement (see the method text).

export type QueueDiscipline = 'processor-sharing' | 'first-come-first-served'

export interface Workload {
  /** CPU time one request needs, in ms of one full core (the workload's CPU_MS, default 20). */
  costMs: number
  /** Each replica's CPU limit in cores (the agent's --cpus-per-container, default 0.5). */
  cpus: number
  /** From the scaling decision to the new replica answering requests (container start + health check). */
  startSeconds: number
  /**
   * How a replica shares its CPU among the requests it holds. The benchmark's model is processor sharing;
   * the Node workload burns CPU synchronously, which is first come, first served: a real run tells which fits.
   */
  discipline: QueueDiscipline
  /** Outstanding requests a replica accepts; the balancer's pick beyond it fails (a 503 to the client). */
  queueCap: number
  /** The p95 latency a second must stay under, in ms. */
  sloMs: number
  targetUtilization: number
  minReplicas: number
  maxReplicas: number
}

export const DEFAULT_WORKLOAD: Workload = {
  costMs: 20,
  cpus: 0.5,
  startSeconds: 1.5,
  discipline: 'processor-sharing',
  queueCap: 100,
  sloMs: 500,
  // The product's defaults (defaultPolicy()), given to both policies alike.
  targetUtilization: 0.6,
  minReplicas: 1,
  maxReplicas: 10,
}

/** Requests per second one replica serves with its CPU fully used. */
export const replicaCapacity = (w: Workload) => (w.cpus * 1000) / w.costMs

/** Requests per second one replica serves at the target utilization. */
export const replicaRateAtTarget = (w: Workload) => replicaCapacity(w) * w.targetUtilization

/** The fewest replicas that keep `rate` at or under the target, within the bounds. */
export function replicasFor(rate: number, w: Workload): number {
  const needed = Math.ceil(rate / replicaRateAtTarget(w) - 1e-9)
  return Math.min(w.maxReplicas, Math.max(w.minReplicas, needed))
}
