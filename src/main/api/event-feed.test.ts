import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ApiEvent } from '../../shared/api/contract'
import type { VmInfo } from '../../shared/domain/cluster'
import { ClusterStore } from '../cluster/cluster-store'
import { openEventFeed } from './event-feed'

const vm = (id: string): VmInfo => ({
  id,
  name: id,
  status: 'ready',
  provider: 'lab',
  address: '127.0.0.1:8000',
  capacity: { containers: 4 },
  containers: [],
})

describe('openEventFeed', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('sends the snapshot at once, then at most one per interval, always the latest', () => {
    const store = new ClusterStore()
    const sent: ApiEvent[] = []
    const close = openEventFeed(store, (event) => sent.push(event), 250)
    expect(sent).toHaveLength(1)

    for (let i = 0; i < 100; i++) store.upsertVm(vm(`vm-${i}`))
    expect(sent).toHaveLength(1)
    vi.advanceTimersByTime(250)
    expect(sent).toHaveLength(2)
    expect(sent[1]?.data.vms).toHaveLength(100)

    close()
    store.removeVm('vm-0')
    vi.advanceTimersByTime(1000)
    expect(sent).toHaveLength(2)
  })
})
