import { describe, expect, it } from 'vitest'
import { planReplicas, type ReplicaView } from './replica-plan'

const r = (id: string, state: ReplicaView['state'], inFlight = 0, startedAt = 0): ReplicaView => ({
  id,
  state,
  inFlight,
  startedAt,
  healthy: true,
  replace: false,
})
/** Ready but failing its health checks (still within the grace). */
const sick = (id: string, inFlight = 0, startedAt = 0): ReplicaView => ({
  ...r(id, 'ready', inFlight, startedAt),
  healthy: false,
})
/** Unhealthy for longer than the grace: to be replaced. */
const condemned = (id: string): ReplicaView => ({ ...sick(id), replace: true })

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
    // Health: scale-down removes the unhealthy first, even before idle or starting replicas.
    [
      'scale-down drains an unhealthy replica before an idle healthy one',
      [r('a', 'ready', 0, 1), sick('b', 5, 0)],
      0,
      1,
      8,
      { start: 0, drain: ['b'] },
    ],
    [
      'scale-down drains an unhealthy replica before a starting one',
      [r('a', 'ready'), r('b', 'starting'), sick('c')],
      0,
      2,
      8,
      { start: 0, drain: ['c'] },
    ],
    [
      'an unhealthy replica within its grace still counts: nothing is started for it',
      [r('a', 'ready'), sick('b')],
      0,
      2,
      8,
      { start: 0, drain: [] },
    ],
    // Replacement: make before break.
    [
      'a replica to replace gets a replacement first and is kept meanwhile',
      [r('a', 'ready'), condemned('b')],
      0,
      2,
      8,
      { start: 1, drain: [] },
    ],
    [
      'it is kept while its replacement starts',
      [r('a', 'ready'), condemned('b'), r('c', 'starting')],
      0,
      2,
      8,
      { start: 0, drain: [] },
    ],
    [
      'it is kept while its replacement is being created',
      [r('a', 'ready'), condemned('b')],
      1,
      2,
      8,
      { start: 0, drain: [] },
    ],
    [
      'it is drained once the replacement is ready',
      [r('a', 'ready'), condemned('b'), r('c', 'ready')],
      0,
      2,
      8,
      { start: 0, drain: ['b'] },
    ],
    [
      'a lone replica to replace stays until its replacement is ready',
      [condemned('a'), r('b', 'starting')],
      0,
      1,
      8,
      { start: 0, drain: [] },
    ],
    [
      'with no room for a replacement it is drained first (its slot is needed)',
      [r('a', 'ready'), condemned('b')],
      0,
      2,
      2,
      { start: 0, drain: ['b'] },
    ],
    ['at target zero it simply goes', [condemned('a')], 0, 0, 8, { start: 0, drain: ['a'] }],
  ])('%s', (_name, replicas, pending, target, capacity, expected) => {
    expect(planReplicas(replicas, pending, target, capacity)).toEqual(expected)
  })
})
