import { describe, expect, it } from 'vitest'
import { type ApplyInput, type ApplyVm, applyTargets } from './apply-targets'

const vm = (name: string, fields: Partial<ApplyVm> = {}): ApplyVm => ({
  id: name,
  name,
  connected: true,
  target: 1,
  sent: 1,
  ready: 1,
  inFlight: 0,
  ...fields,
})
const input = (vms: ApplyVm[], now = 0): ApplyInput => ({
  now,
  vms,
  drainTimeoutMs: 30_000,
  holdTimeoutMs: 120_000,
})

describe('applyTargets', () => {
  it('sends an increase at once and the decrease beside it once the new replicas are ready', () => {
    const before = applyTargets(
      input([vm('lab-1', { target: 1, sent: 2, ready: 2 }), vm('lab-2', { target: 3, sent: 1, ready: 1 })]),
    )
    expect(before.commands.map((c) => `${c.vmId} ${c.replicas}`)).toEqual(['lab-2 3'])
    expect(before.notes.map((n) => n.message)).toEqual(["lab-1: 2 → 1 held until lab-2's replicas are ready"])
    const after = applyTargets(
      input(
        [vm('lab-1', { target: 1, sent: 2, ready: 2 }), vm('lab-2', { target: 3, sent: 3, ready: 3 })],
        5000,
      ),
      before.state,
    )
    expect(after.commands.map((c) => `${c.vmId} ${c.replicas}`)).toEqual(['lab-1 1'])
  })

  it('holds a move until the replacement is ready, then drains, then sends 0', () => {
    const start = input([vm('lab-1', { target: 0 }), vm('lab-2', { ready: 0 })])
    const held = applyTargets(start)
    expect(held.commands).toEqual([])
    expect(held.draining).toEqual([])
    expect(held.notes).toEqual([
      { vmId: 'lab-1', message: "lab-1: 1 → 0 held until lab-2's replica is ready" },
    ])
    const still = applyTargets({ ...start, now: 1000 }, held.state)
    expect(still.notes).toEqual([])

    const ready = input([vm('lab-1', { target: 0 }), vm('lab-2')], 2000)
    const out = applyTargets(ready, still.state)
    expect(out.draining).toEqual(['lab-1'])
    expect(out.commands).toEqual([])
    const zero = applyTargets({ ...ready, now: 3000 }, out.state)
    expect(zero.commands.map((c) => `${c.vmId} ${c.replicas}`)).toEqual(['lab-1 0'])
    expect(zero.draining).toEqual(['lab-1'])
  })

  it('does not hold a decrease that only removes starting replicas', () => {
    const plan = applyTargets(
      input([vm('lab-1', { target: 1, sent: 3, ready: 1 }), vm('lab-2', { ready: 0 })]),
    )
    expect(plan.commands.map((c) => `${c.vmId} ${c.replicas}`)).toEqual(['lab-1 1'])
  })

  it('lets a held decrease go after the hold timeout and says why', () => {
    const first = applyTargets(input([vm('lab-1', { target: 0 }), vm('lab-2', { ready: 0 })]))
    const late = applyTargets(
      input([vm('lab-1', { target: 0 }), vm('lab-2', { ready: 0 })], 120_000),
      first.state,
    )
    expect(late.draining).toEqual(['lab-1'])
  })

  it('puts a VM back in the rotation when the plan wants it again mid-drain', () => {
    const out = applyTargets(input([vm('lab-1', { target: 0 }), vm('lab-2')]))
    expect(out.draining).toEqual(['lab-1'])
    const back = applyTargets(input([vm('lab-1', { target: 1 }), vm('lab-2')], 1000), out.state)
    expect(back.draining).toEqual([])
    expect(back.commands).toEqual([])
  })

  const drainNote = 'lab-1: 1 → 0 held until the front has no request in flight to it (out of the rotation)'
  it.each<[string, Partial<ApplyInput>, Partial<ApplyVm>, string]>([
    [
      'a cordoned VM keeps its replica while a VM is started for it',
      { awaitedReplicas: 1 },
      { cordoned: true },
      'lab-1: 1 → 0 held until another VM is up to take its replica',
    ],
    [
      'a cordoned VM with nowhere for its replica drains at once',
      { awaitedReplicas: 0 },
      { cordoned: true },
      drainNote,
    ],
    ['an awaited VM holds only a cordoned VM', { awaitedReplicas: 1 }, {}, drainNote],
  ])('%s', (_name, change, fields, note) => {
    const plan = applyTargets({ ...input([vm('lab-1', { target: 0, ...fields })]), ...change })
    expect(plan.notes.map((n) => n.message)).toEqual([note])
    expect(plan.draining).toEqual(note === drainNote ? ['lab-1'] : [])
  })
})
