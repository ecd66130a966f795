import { describe, expect, it } from 'vitest'
import { type DepartureInput, decideDeparture } from './plan-departure'

const base: DepartureInput = {
  now: 10_000,
  name: 'lab-1',
  departure: { action: 'stop', sinceMs: 0, replicas: 1 },
  connected: true,
  target: 0,
  sent: 0,
  containers: 0,
  othersReady: ['lab-2'],
  waitMs: 60_000,
}

describe('decideDeparture', () => {
  it.each<[string, Partial<DepartureInput>, string | undefined]>([
    ['drained after its replica moved', {}, 'lab-1: stopping after its 1 replica moved to lab-2'],
    [
      'removed after its replicas moved to two VMs',
      {
        departure: { action: 'remove', sinceMs: 0, replicas: 2 },
        othersReady: ['lab-2', 'lab-3'],
      },
      'lab-1: removing after its 2 replicas moved to lab-2 and lab-3',
    ],
    ['still planned to run a replica', { target: 1, sent: 1, containers: 1 }, undefined],
    ['target 0 planned but held (replacement not ready)', { target: 0, sent: 1, containers: 1 }, undefined],
    ['told 0, its container still draining', { target: 0, sent: 0, containers: 1 }, undefined],
    [
      'agent gone: at once',
      { connected: false, containers: 1, sent: 1, target: 1 },
      'lab-1: stopping now (its agent is not connected)',
    ],
    [
      'drain overdue: goes anyway',
      { now: 61_000, target: 0, sent: 0, containers: 2 },
      'lab-1: stopping after waiting 61 s for it to drain (2 containers still running)',
    ],
    [
      'no other VM serves: goes after the drain and says requests fail',
      { othersReady: [] },
      'lab-1: stopping after its 1 replica drained; no other VM is ready, so requests fail until one is',
    ],
    [
      'ran nothing',
      { departure: { action: 'stop', sinceMs: 0, replicas: 0 } },
      'lab-1: stopping after it ran no replica',
    ],
  ])('%s', (_name, change, message) => {
    const decision = decideDeparture({ ...base, ...change })
    if (message === undefined) expect(decision).toEqual({ go: false })
    else expect(decision).toEqual({ go: true, message })
  })
})
