import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ApiEvent } from '../../shared/api/contract'
import { ClusterStore } from '../cluster/cluster-store'
import { openEventFeed } from './event-feed'

const vm = (id: string) => ({
  id,
  name: id,
  provider: 'lab' as const,
  state: 'running' as const,
  capacity: 4,
})

describe('openEventFeed', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('sends the snapshot at once, then at most one per interval, always the latest', () => {
    const store = new ClusterStore()
    const sent: ApiEvent[] = []
    const close = openEventFeed({ store }, (event) => sent.push(event), 250)
    expect(sent).toHaveLength(1)

    for (let i = 0; i < 100; i++) store.providerVm(vm(`vm-${i}`))
    expect(sent).toHaveLength(1)
    vi.advanceTimersByTime(250)
    expect(sent).toHaveLength(2)
    const second = sent[1]
    expect(second?.name === 'cluster:snapshot' && second.data.vms).toHaveLength(100)

    close()
    store.removeVm('vm-0')
    vi.advanceTimersByTime(1000)
    expect(sent).toHaveLength(2)
  })
})
