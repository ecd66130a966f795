// The oracle: with perfect foresight of the very requests of each second and replicas that start
// instantly, the fewest replicas that keep that second's utilization at or under the target.
import { replicasFor, type Workload } from './workload'

/** Replicas the oracle runs in each second, from the requests that arrive in it. */
export function oracleReplicas(requestsPerSecond: Uint32Array, w: Workload): Uint16Array {
  return Uint16Array.from(requestsPerSecond, (requests) => replicasFor(requests, w))
}

export const sumOf = (values: ArrayLike<number>) => {
  let sum = 0
  for (let i = 0; i < values.length; i++) sum += values[i]!
  return sum
}
