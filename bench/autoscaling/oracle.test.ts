import { describe, expect, it } from 'vitest'
import { oracleReplicas, sumOf } from './oracle'
import { DEFAULT_WORKLOAD } from './workload'

describe('oracleReplicas', () => {
  it('runs the fewest replicas that keep each second at or under the target, within the bounds', () => {
    // 0.5 CPU, 20 ms a request, 60 % target: 15 requests/s per replica.
    const requests = Uint32Array.from([0, 15, 16, 30, 31, 149, 150, 400])
    const oracle = oracleReplicas(requests, DEFAULT_WORKLOAD)
    expect([...oracle]).toEqual([1, 1, 2, 2, 3, 10, 10, 10])
    expect(sumOf(oracle)).toBe(39)
  })

  it('follows the workload: a 1-CPU replica at an 80 % target takes 40 requests/s', () => {
    const workload = { ...DEFAULT_WORKLOAD, cpus: 1, targetUtilization: 0.8, minReplicas: 2 }
    expect([...oracleReplicas(Uint32Array.from([10, 80, 81]), workload)]).toEqual([2, 2, 3])
  })
})
