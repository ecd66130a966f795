import { describe, expect, it } from 'vitest'
import { SeriesResponse } from '../../shared/domain/time-series'
import { ClusterSeries, SeriesRing } from './time-series'
import { measureSeriesAppendCost } from './time-series-bench'

const T0 = Date.UTC(2025, 0, 1)
const at = (second: number, ms = 0) => T0 + second * 1000 + ms

describe('SeriesRing', () => {
  it('returns the samples from a time on, one point a second', () => {
    const ring = new SeriesRing(['cpu', 'mem'], 10)
    for (let s = 0; s < 5; s++) ring.append(at(s, 300), { cpu: s * 10, mem: s })
    expect(ring.range(at(2), 'cpu')).toEqual({ times: [at(2), at(3), at(4)], values: [20, 30, 40] })
    expect(ring.rangeAll(0)).toEqual({
      times: [at(0), at(1), at(2), at(3), at(4)],
      series: { cpu: [0, 10, 20, 30, 40], mem: [0, 1, 2, 3, 4] },
    })
    expect(ring.latest('cpu')).toBe(40)
  })

  it('keeps only the last `capacity` seconds once it wraps', () => {
    const ring = new SeriesRing(['v'], 900)
    for (let s = 0; s < 2000; s++) ring.append(at(s), { v: s })
    const { times, values } = ring.range(0, 'v')
    expect(times).toHaveLength(900)
    expect(values[0]).toBe(1100)
    expect(values.at(-1)).toBe(1999)
    expect(times.every((t, i) => i === 0 || t - times[i - 1]! === 1000)).toBe(true)
  })

  it('shows seconds without a report as gaps, not as the old values of a wrapped slot', () => {
    const ring = new SeriesRing(['v'], 5)
    for (let s = 0; s < 5; s++) ring.append(at(s), { v: s })
    ring.append(at(8), { v: 8 })
    expect(ring.range(0, 'v')).toEqual({
      times: [at(4), at(5), at(6), at(7), at(8)],
      values: [4, null, null, null, 8],
    })
    ring.append(at(100), { v: 100 })
    expect(ring.range(0, 'v').values).toEqual([null, null, null, null, 100])
  })

  it('merges writers within one second; null clears a value, a missing field keeps it', () => {
    const ring = new SeriesRing(['cpu', 'rate'], 10)
    ring.append(at(1, 100), { cpu: 50 })
    ring.append(at(1, 900), { rate: 7 })
    expect(ring.rangeAll(0).series).toEqual({ cpu: [50], rate: [7] })
    ring.append(at(1, 950), { cpu: null })
    expect(ring.rangeAll(0).series).toEqual({ cpu: [null], rate: [7] })
    ring.append(at(2), { rate: 8 })
    expect(ring.rangeAll(0).series).toEqual({ cpu: [null, null], rate: [7, 8] })
  })

  it('takes a late sample inside the window and drops one older than the window', () => {
    const ring = new SeriesRing(['v'], 5)
    ring.append(at(10), { v: 10 })
    ring.append(at(8), { v: 8 })
    ring.append(at(2), { v: 2 })
    expect(ring.range(0, 'v')).toEqual({ times: [at(8), at(9), at(10)], values: [8, null, 10] })
  })

  it('is empty before the first sample', () => {
    const ring = new SeriesRing(['v'], 5)
    expect(ring.range(0, 'v')).toEqual({ times: [], values: [] })
    expect(ring.latest('v')).toBeNull()
  })
})

describe('ClusterSeries', () => {
  it('answers the API with VM and container series that match the shared schema', () => {
    const series = new ClusterSeries()
    series.recordVm('vm-1', at(0), { cpuPercent: 40, replicas: 2, readyReplicas: 1, requestRate: 12 })
    series.recordContainer('vm-1', 'c-1', at(0), { cpuPercent: 80, memoryBytes: 64e6 })

    const vm = series.query({ vmId: 'vm-1' })
    expect(SeriesResponse.parse(vm)).toEqual(vm)
    expect(vm).toMatchObject({ kind: 'vm', vmId: 'vm-1', times: [at(0)] })
    expect(vm?.series).toMatchObject({ cpuPercent: [40], replicas: [2], latencyMsP95: [null] })

    const container = series.query({ vmId: 'vm-1', containerId: 'c-1', fromMs: at(0) })
    expect(SeriesResponse.parse(container)).toEqual(container)
    expect(container).toMatchObject({
      kind: 'container',
      containerId: 'c-1',
      series: { memoryBytes: [64e6] },
    })
    expect(series.query({ vmId: 'vm-2' })).toBeUndefined()
  })

  it('frees a forgotten VM with its containers, and containers gone from a report', () => {
    const series = new ClusterSeries(900)
    for (const vmId of ['vm-1', 'vm-2']) {
      series.recordVm(vmId, at(0), { cpuPercent: 1 })
      for (const c of ['a', 'b', 'c']) series.recordContainer(vmId, c, at(0), { cpuPercent: 1 })
    }
    expect(series.stats()).toEqual({ vms: 2, containers: 6, bytes: 2 * 900 * 8 * 8 + 6 * 900 * 2 * 8 })

    series.forgetVm('vm-1')
    expect(series.stats()).toMatchObject({ vms: 1, containers: 3 })
    expect(series.containerRing('vm-1', 'a')).toBeUndefined()

    series.retainContainers('vm-2', new Set(['b']))
    series.forgetContainer('vm-2', 'zz')
    expect(series.stats()).toMatchObject({ vms: 1, containers: 1 })
    expect(series.containerRing('vm-2', 'b')).toBeDefined()
  })
})

describe('measureSeriesAppendCost', () => {
  it('measures one report round for a cluster and the memory the rings hold', async () => {
    const result = await measureSeriesAppendCost({ vms: 5, containersPerVm: 4, seconds: 1000 })
    expect(result).toMatchObject({ vms: 5, containers: 20, appendsPerSecond: 25, seconds: 1000 })
    expect(result.microsPerSecond).toBeGreaterThan(0)
    expect(result.retainedBytes).toBe(5 * 900 * 8 * 8 + 20 * 900 * 2 * 8)
  })
})
