import { describe, expect, it } from 'vitest'
import { createAppStore } from '../../store/app-store'
import { clusterEvent } from '../../test-support/fixtures'
import { DECISION_LOG_LIMIT } from './decision-log'

const ids = (store: ReturnType<typeof createAppStore>) => store.getState().decisionLog.map((e) => e.id)

describe('the decision log in the store', () => {
  it('keeps pushed entries newest first, once each', () => {
    const store = createAppStore()
    store
      .getState()
      .applyEvent({ name: 'events:appended', data: [clusterEvent({ id: 1 }), clusterEvent({ id: 2 })] })
    store
      .getState()
      .applyEvent({ name: 'events:appended', data: [clusterEvent({ id: 2 }), clusterEvent({ id: 3 })] })
    expect(ids(store)).toEqual([3, 2, 1])
  })

  it('takes a fresh list as the log, keeping only pushes that raced it', () => {
    const store = createAppStore()
    const at = (second: number) => Date.UTC(2025, 0, 1, 12, 0, second)
    // id 40 is left from a core run that has since restarted (ids start again at 1); id 6 raced the query.
    store
      .getState()
      .addDecisionLog([
        clusterEvent({ id: 40, at: at(1) }),
        clusterEvent({ id: 6, at: at(30) }),
        clusterEvent({ id: 4, at: at(20) }),
      ])
    store
      .getState()
      .resetDecisionLog([clusterEvent({ id: 5, at: at(25) }), clusterEvent({ id: 3, at: at(15) })])
    expect(ids(store)).toEqual([6, 5, 3])
  })

  it('is bounded like the core’s log', () => {
    const store = createAppStore()
    const many = Array.from({ length: DECISION_LOG_LIMIT + 10 }, (_, i) => clusterEvent({ id: i + 1 }))
    store.getState().addDecisionLog(many)
    expect(store.getState().decisionLog).toHaveLength(DECISION_LOG_LIMIT)
    expect(store.getState().decisionLog[0]?.id).toBe(DECISION_LOG_LIMIT + 10)
  })
})
