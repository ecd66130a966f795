import { describe, expect, it } from 'vitest'
import { type PlacementStrategy, type PlacementVm, placeReplicas } from './place-replicas'

/** "lab-1:2/4" = VM lab-1 running 2 of its 4 slots; ids are the names. */
const vms = (...specs: string[]): PlacementVm[] =>
  specs.map((spec) => {
    const [name = '', counts = ''] = spec.split(':')
    const [current = 0, capacity = 0] = counts.split('/').map(Number)
    return { id: name, name, current, capacity }
  })

interface Case {
  name: string
  strategy: PlacementStrategy
  vms: PlacementVm[]
  total: number
  targets: Record<string, number>
  unplaced?: number
  reasons?: string[]
}

const check = ({ strategy, vms, total, targets, unplaced = 0, reasons }: Case) => {
  const placement = placeReplicas(vms, total, strategy)
  expect(placement.targets).toEqual(targets)
  expect(placement.unplaced).toBe(unplaced)
  if (reasons) expect(placement.reasons).toEqual(reasons)
  // Every change is a start or a drain that the total asked for: nothing moves between VMs.
  const moves = vms.reduce((sum, vm) => sum + Math.abs((placement.targets[vm.id] ?? 0) - vm.current), 0)
  const current = vms.reduce((sum, vm) => sum + Math.min(vm.current, vm.capacity), 0)
  const clamped = vms.reduce((sum, vm) => sum + Math.max(0, vm.current - vm.capacity), 0)
  expect(moves).toBe(clamped + Math.abs(total - unplaced - current))
}

describe('placeReplicas: spread', () => {
  it.each<Case>([
    {
      name: 'places the first replicas one per VM, in name order',
      strategy: 'spread',
      vms: vms('lab-1:0/4', 'lab-2:0/4', 'lab-3:0/4'),
      total: 2,
      targets: { 'lab-1': 1, 'lab-2': 1, 'lab-3': 0 },
      reasons: [
        'lab-1: 0 → 1 replica (spread: it ran the fewest)',
        'lab-2: 0 → 1 replica (spread: it ran the fewest)',
      ],
    },
    {
      name: 'adds to the VM that runs the fewest',
      strategy: 'spread',
      vms: vms('lab-1:2/4', 'lab-2:1/4'),
      total: 4,
      targets: { 'lab-1': 2, 'lab-2': 2 },
      reasons: ['lab-2: 1 → 2 replicas (spread: it ran the fewest)'],
    },
    {
      name: 'evens out as it grows',
      strategy: 'spread',
      vms: vms('lab-1:3/4', 'lab-2:0/4', 'lab-3:1/4'),
      total: 7,
      targets: { 'lab-1': 3, 'lab-2': 2, 'lab-3': 2 },
    },
    {
      name: 'sorts names by number, so lab-10 comes after lab-9',
      strategy: 'spread',
      vms: vms('lab-10:0/2', 'lab-9:0/2'),
      total: 1,
      targets: { 'lab-10': 0, 'lab-9': 1 },
    },
    {
      name: 'skips a full VM even when it runs the fewest',
      strategy: 'spread',
      vms: vms('small:1/1', 'big:3/8', 'mid:4/8'),
      total: 10,
      targets: { small: 1, big: 5, mid: 4 },
      reasons: ['big: 3 → 5 replicas (spread: it ran the fewest of the VMs with room)'],
    },
    {
      name: 'leaves what fits on no VM unplaced',
      strategy: 'spread',
      vms: vms('lab-1:2/2', 'lab-2:1/2'),
      total: 6,
      targets: { 'lab-1': 2, 'lab-2': 2 },
      unplaced: 2,
    },
    {
      name: 'keeps an uneven placement when the total does not change',
      strategy: 'spread',
      vms: vms('lab-1:4/4', 'lab-2:0/4'),
      total: 4,
      targets: { 'lab-1': 4, 'lab-2': 0 },
      reasons: [],
    },
    {
      name: 'takes from the VM that runs the most when scaling down',
      strategy: 'spread',
      vms: vms('lab-1:4/4', 'lab-2:1/4', 'lab-3:3/4'),
      total: 5,
      targets: { 'lab-1': 2, 'lab-2': 1, 'lab-3': 2 },
      reasons: [
        'lab-1: 4 → 2 replicas (spread: it ran the most)',
        'lab-3: 3 → 2 replicas (spread: it ran the most)',
      ],
    },
    {
      name: 'keeps drawing from the VM it already draws from on a tie, touching fewer VMs',
      strategy: 'spread',
      vms: vms('lab-1:3/4', 'lab-2:1/4', 'lab-3:2/4'),
      total: 4,
      targets: { 'lab-1': 1, 'lab-2': 1, 'lab-3': 2 },
    },
    {
      name: 'takes from the last-named VM on a tie, so the first keeps its replicas',
      strategy: 'spread',
      vms: vms('lab-1:1/4', 'lab-2:1/4'),
      total: 1,
      targets: { 'lab-1': 1, 'lab-2': 0 },
      reasons: ['lab-2: 1 → 0 replicas (spread: it ran the most)'],
    },
    {
      name: 'brings a VM whose capacity shrank back within it and places the rest elsewhere',
      strategy: 'spread',
      vms: vms('lab-1:4/2', 'lab-2:1/4'),
      total: 5,
      targets: { 'lab-1': 2, 'lab-2': 3 },
      reasons: [
        'lab-1: 4 → 2 replicas (its capacity is 2 replicas)',
        'lab-2: 1 → 3 replicas (spread: the only VM with room)',
      ],
    },
    {
      name: 'places nothing on a VM without capacity',
      strategy: 'spread',
      vms: vms('lab-1:0/0', 'lab-2:0/2'),
      total: 2,
      targets: { 'lab-1': 0, 'lab-2': 2 },
    },
  ])('$name', check)
})

describe('placeReplicas: bin-pack (least waste)', () => {
  it.each<Case>([
    {
      name: 'starts on the largest VM',
      strategy: 'bin-pack',
      vms: vms('lab-1:0/2', 'lab-2:0/4'),
      total: 3,
      targets: { 'lab-1': 0, 'lab-2': 3 },
      reasons: ['lab-2: 0 → 3 replicas (bin-pack: it is the largest VM)'],
    },
    {
      name: 'fills the VM that runs the most before touching another',
      strategy: 'bin-pack',
      vms: vms('lab-1:1/4', 'lab-2:3/4', 'lab-3:0/4'),
      total: 6,
      targets: { 'lab-1': 2, 'lab-2': 4, 'lab-3': 0 },
      reasons: [
        'lab-1: 1 → 2 replicas (bin-pack: it ran the most of the VMs with room)',
        'lab-2: 3 → 4 replicas (bin-pack: it ran the most of the VMs with room)',
      ],
    },
    {
      name: 'opens the largest empty VM only when the VMs in use are full',
      strategy: 'bin-pack',
      vms: vms('lab-1:4/4', 'lab-2:0/2', 'lab-3:0/6'),
      total: 6,
      targets: { 'lab-1': 4, 'lab-2': 0, 'lab-3': 2 },
      reasons: [
        'lab-3: 0 → 2 replicas (bin-pack: the VMs in use are full, so it opens the largest empty VM)',
      ],
    },
    {
      name: 'keeps a spread-out placement when the total does not change',
      strategy: 'bin-pack',
      vms: vms('lab-1:2/4', 'lab-2:2/4'),
      total: 4,
      targets: { 'lab-1': 2, 'lab-2': 2 },
      reasons: [],
    },
    {
      name: 'takes from the VM that runs the fewest when scaling down, emptying it',
      strategy: 'bin-pack',
      vms: vms('lab-1:4/4', 'lab-2:1/4', 'lab-3:2/4'),
      total: 5,
      targets: { 'lab-1': 4, 'lab-2': 0, 'lab-3': 1 },
      reasons: [
        'lab-2: 1 → 0 replicas (bin-pack: it ran the fewest; now empty, it can be stopped)',
        'lab-3: 2 → 1 replica (bin-pack: it ran the fewest)',
      ],
    },
    {
      name: 'empties the smaller VM first on a tie',
      strategy: 'bin-pack',
      vms: vms('big:2/8', 'small:2/2'),
      total: 2,
      targets: { big: 2, small: 0 },
    },
    {
      name: 'leaves what fits on no VM unplaced',
      strategy: 'bin-pack',
      vms: vms('lab-1:3/4'),
      total: 7,
      targets: { 'lab-1': 4 },
      unplaced: 3,
    },
  ])('$name', check)
})

describe('placeReplicas: counts from the outside world', () => {
  it('treats fractional, negative and missing counts as whole replicas', () => {
    const placement = placeReplicas(
      [
        { id: 'a', name: 'a', current: 1.7, capacity: 2.9 },
        { id: 'b', name: 'b', current: -3, capacity: Number.NaN },
      ],
      3.5,
      'spread',
    )
    expect(placement).toEqual({
      targets: { a: 2, b: 0 },
      unplaced: 1,
      reasons: ['a: 1 → 2 replicas (spread: the only VM with room)'],
    })
  })

  it('gives every VM a target, even with no VM at all', () => {
    expect(placeReplicas([], 2, 'bin-pack')).toEqual({ targets: {}, unplaced: 2, reasons: [] })
  })
})
