// @vitest-environment happy-dom
// The charts' feed against a fake core: one backfill per VM, one recorded second per tick (a gap when
// the proxy does not answer), markers from the live stream until it stops.
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ClusterSnapshot } from '../../../../shared/domain/cluster'
import { FakeApiClient } from '../../test-support/fake-api-client'
import { clusterEvent, snapshot, vm } from '../../test-support/fixtures'
import { type MetricsFeed, startMetricsFeed } from './metrics-feed'
import { MetricsHistory } from './metrics-history'

const stats = {
  url: null,
  algorithm: 'least-outstanding',
  backends: [],
  requestRate: 7,
  errorRate: 0,
  latencyMsP50: 3,
  latencyMsP95: 9,
}

let feed: MetricsFeed | undefined
afterEach(() => {
  feed?.stop()
  vi.useRealTimers()
})

function start(client: FakeApiClient, cluster: ClusterSnapshot | undefined) {
  const history = new MetricsHistory(60)
  feed = startMetricsFeed(history, client, () => cluster, { intervalMs: 60_000 })
  return { history, feed }
}

describe('startMetricsFeed', () => {
  it('asks the core for each VM’s past once, however many snapshots name it', async () => {
    const client = new FakeApiClient().on('events:list', () => []).fail('series:get', 'not_found', 'none yet')
    const cluster = snapshot([vm({ name: 'lab-1' }), vm({ name: 'lab-2' })], Date.now())
    const { feed } = start(client, cluster)
    feed.snapshotArrived(cluster)
    feed.snapshotArrived(cluster)
    expect(client.callsTo('series:get').map((call) => call.vmId)).toEqual(['lab-1', 'lab-2'])
  })

  it('records the proxy’s traffic and the VMs’ CPU each tick, and a gap when the proxy is down', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(1_700_000_000_000)
    const client = new FakeApiClient().on('events:list', () => []).on('proxy:stats', () => stats)
    const cluster = snapshot([vm({ name: 'lab-1', cpuPercent: 33 })], Date.now())
    const { history, feed } = start(client, cluster)
    await feed.tick()
    expect(history.requestRateColumns(1)[1]).toEqual([7])
    expect(history.vmColumns('cpuPercent', 1, history.vms())[1]).toEqual([33])

    client.fail('proxy:stats', 'unavailable', 'The front proxy is not running.')
    vi.setSystemTime(1_700_000_001_000)
    await feed.tick()
    expect(history.requestRateColumns(2)[1]).toEqual([7, null])
  })

  it('turns scaling decisions into markers, from the log and the live stream, until stopped', async () => {
    const logged = clusterEvent({ id: 1, at: Date.now(), kind: 'scaling' })
    const client = new FakeApiClient().on('events:list', () => [logged]).on('proxy:stats', () => stats)
    const { history, feed } = start(client, undefined)
    await feed.tick()
    expect(client.callsTo('events:list')).toEqual([{ kinds: ['scaling'], limit: 500 }])
    client.emit({ name: 'events:appended', data: [clusterEvent({ id: 2, at: Date.now(), kind: 'scaling' })] })
    expect(history.markersSince(0).map((marker) => marker.id)).toEqual([1, 2])
    feed.stop()
    client.emit({ name: 'events:appended', data: [clusterEvent({ id: 3, at: Date.now(), kind: 'scaling' })] })
    expect(history.markersSince(0)).toHaveLength(2)
  })
})
