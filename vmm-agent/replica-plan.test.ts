import { describe, expect, it } from 'vitest'
import { planReplicas, type ReplicaView } from './replica-plan'

const r = (id: string, state: ReplicaView['state'], inFlight = 0, startedAt = 0): ReplicaView => ({
  id,
  state,
  inFlight,
  startedAt,
})

describe('planReplicas', () => {
  it.each<[string, ReplicaView[], number, number, number, { start: number; drain: string[] }]>([
    ['starts up to the target', [r('a', 'ready')], 0, 3, 8, { start: 2, drain: [] }],
    ['counts starts already under way', [r('a', 'ready')], 2, 3, 8, { start: 0, drain: [] }],
    ['never exceeds capacity', [r('a', 'ready')], 0, 10, 4, { start: 3, drain: [] }],
    [
      'draining replicas hold their slot',
      [r('a', 'ready'), r('b', 'draining')],
      0,
      4,
      3,
      { start: 1, drain: [] },
    ],
    ['holds at the target', [r('a', 'ready'), r('b', 'starting')], 0, 2, 8, { start: 0, drain: [] }],
    [
      'drains a starting replica before a serving one',
      [r('a', 'ready'), r('b', 'starting')],
      0,
      1,
      8,
      { start: 0, drain: ['b'] },
    ],
    [
      'drains the least busy, then the newest',
      [r('a', 'ready', 3, 1), r('b', 'ready', 0, 1), r('c', 'ready', 0, 2)],
      0,
      1,
      8,
      { start: 0, drain: ['c', 'b'] },
    ],
    [
      'target zero drains everything',
      [r('a', 'ready'), r('b', 'ready')],
      0,
      0,
      8,
      { start: 0, drain: ['a', 'b'] },
    ],
    [
      'capacity below the current count drains the excess',
      [r('a', 'ready'), r('b', 'ready'), r('c', 'ready')],
      0,
      5,
      2,
      { start: 0, drain: ['a'] },
    ],
  ])('%s', (_name, replicas, pending, target, capacity, expected) => {
    expect(planReplicas(replicas, pending, target, capacity)).toEqual(expected)
  })
})
