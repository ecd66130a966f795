// @vitest-environment happy-dom
// The charts' ring history: one slot a second, gaps where nothing was recorded, bounded to its window,
// backfilled from the core's series without overwriting live samples, and scaling markers.
import { describe, expect, it } from 'vitest'
import type { VmSeriesResponse } from '../../../../shared/domain/time-series'
import { clusterEvent, container, snapshot, vm } from '../../test-support/fixtures'
import { MetricsHistory } from './metrics-history'

const T0 = 1_700_000_000_000 // a whole second
const at = (second: number) => T0 + second * 1000
const traffic = (requestRate: number, latency = 10) => ({
  requestRate,
  errorRate: requestRate / 10,
  latencyMsP50: latency,
  latencyMsP95: latency * 2,
})

describe('MetricsHistory', () => {
  it('reads the last N seconds oldest first, in seconds, with gaps as null', () => {
    const history = new MetricsHistory(10)
    history.recordTraffic(at(0), traffic(1))
    history.recordTraffic(at(2), traffic(3))
    history.advanceTo(at(3))
    const [times, rate] = history.requestRateColumns(4)
    expect(times).toEqual([0, 1, 2, 3].map((s) => T0 / 1000 + s))
    expect(rate).toEqual([1, null, 3, null])
  })

  it('forgets what is older than its capacity, and reads before the first sample as gaps', () => {
    const history = new MetricsHistory(5)
    for (let s = 0; s < 12; s++) history.recordTraffic(at(s), traffic(s))
    expect(history.requestRateColumns(8)[1]).toEqual([7, 8, 9, 10, 11])
    expect(history.requestRateColumns(3)[1]).toEqual([9, 10, 11])
  })

  it('drops samples that arrive after their second fell out of the window', () => {
    const history = new MetricsHistory(5)
    history.recordTraffic(at(10), traffic(1))
    history.recordTraffic(at(2), traffic(99))
    expect(history.requestRateColumns(5)[1]).toEqual([null, null, null, null, 1])
  })

  it('has no latency for a second without requests (not a misleading 0 ms)', () => {
    const history = new MetricsHistory(5)
    history.recordTraffic(at(0), traffic(0, 0))
    history.recordTraffic(at(1), traffic(4, 12))
    expect(history.latencyColumns(2).slice(1)).toEqual([
      [null, 12],
      [null, 24],
    ])
    expect(history.errorRateColumns(2)[1]).toEqual([0, 0.4])
  })

  it('records each VM’s CPU and replicas per second, VMs ordered by name', () => {
    const history = new MetricsHistory(5)
    const cluster = snapshot([
      vm({ name: 'lab-10', cpuPercent: 5 }),
      vm({ name: 'lab-2', cpuPercent: 50, containers: [container({ name: 'a' }), container({ name: 'b' })] }),
    ])
    history.recordSnapshot(at(0), cluster)
    history.recordSnapshot(at(1), cluster)
    const vms = history.vms()
    expect(vms.map((v) => v.name)).toEqual(['lab-2', 'lab-10'])
    expect(history.vmColumns('cpuPercent', 2, vms).slice(1)).toEqual([
      [50, 50],
      [5, 5],
    ])
    expect(history.vmColumns('replicas', 2, vms).slice(1)).toEqual([
      [2, 2],
      [0, 0],
    ])
    expect(history.vms()).toBe(vms) // the same list while the set of VMs is the same
  })

  it('keeps a VM that left until its data ages out, and reads a VM it no longer has as gaps', () => {
    const history = new MetricsHistory(3)
    history.recordSnapshot(at(0), snapshot([vm({ name: 'gone', cpuPercent: 9 })]))
    history.recordSnapshot(at(1), snapshot([]))
    const drawn = history.vms()
    expect(drawn.map((v) => v.id)).toEqual(['gone'])
    history.advanceTo(at(3))
    expect(history.vms()).toEqual([])
    expect(history.vmColumns('cpuPercent', 2, drawn)[1]).toEqual([null, null])
  })

  it('backfills a VM from the core’s series once, under live samples, summing request rates', () => {
    const history = new MetricsHistory(10)
    history.recordTraffic(at(2), traffic(100))
    const series = (vmId: string, rate: number): VmSeriesResponse => ({
      kind: 'vm',
      vmId,
      times: [at(0), at(1), at(2)],
      series: {
        cpuPercent: [10, null, 30],
        memoryBytes: [0, 0, 0],
        replicas: [1, 1, 2],
        readyReplicas: [1, 1, 1],
        requestRate: [rate, rate, rate],
        latencyMsP50: [null, null, null],
        latencyMsP95: [null, null, null],
        errorRate: [null, null, null],
      },
    })
    history.backfillVm('a', series('a', 1))
    history.backfillVm('b', series('b', 2))
    history.backfillVm('a', series('a', 1)) // twice would double the sum
    expect(history.requestRateColumns(3)[1]).toEqual([3, 3, 100])
    const vms = history.vms()
    expect(history.vmColumns('cpuPercent', 3, vms)[1]).toEqual([10, null, 30])
    expect(history.vmColumns('replicas', 3, vms)[1]).toEqual([1, 1, 2])
  })

  it('keeps scaling decisions as markers, once each, within the window', () => {
    const history = new MetricsHistory(60)
    history.advanceTo(at(100))
    history.addMarkers([
      clusterEvent({ id: 1, at: at(90), kind: 'scaling', vmId: 'lab-1', message: 'up to 3' }),
      clusterEvent({ id: 2, at: at(95), kind: 'vm', message: 'not a decision' }),
      clusterEvent({ id: 3, at: at(10), kind: 'scaling', message: 'too old' }),
    ])
    history.addMarkers([clusterEvent({ id: 1, at: at(90), kind: 'scaling', message: 'up to 3' })])
    expect(history.markersSince(0)).toEqual([
      { id: 1, atSec: T0 / 1000 + 90, vmId: 'lab-1', message: 'up to 3' },
    ])
    expect(history.markersSince(T0 / 1000 + 91)).toEqual([])
    history.advanceTo(at(200))
    expect(history.markersSince(0)).toEqual([])
  })

  it('notifies subscribers when asked, until they unsubscribe', () => {
    const history = new MetricsHistory()
    let calls = 0
    const unsubscribe = history.subscribe(() => calls++)
    history.notify()
    unsubscribe()
    history.notify()
    expect(calls).toBe(1)
  })
})
