// Placement: a cluster-wide replica total → one target per ready VM, by spread or least-waste bin-packing,
// moving as few replicas as it can and saying why each VM's target changed.
import { z } from 'zod'
import { compareNames } from '../names'

/**
 * `spread`: as even as capacity allows, so losing a VM loses the fewest replicas.
 * `bin-pack`: fill the VMs that already run the most, so as few VMs as possible are in use and the
 * idle ones can be stopped (least waste).
 */
export const PlacementStrategy = z.enum(['spread', 'bin-pack'])
export type PlacementStrategy = z.infer<typeof PlacementStrategy>

export interface PlacementVm {
  id: string
  name: string
  /** Most replicas the VM runs. */
  capacity: number
  /** Replicas placed on it now (the target it converges to). */
  current: number
}

export interface Placement {
  targets: Record<string, number>
  /** Replicas of the total that fit on no VM. */
  unplaced: number
  /** One sentence per VM whose target changes, in the order of the VMs given. */
  reasons: string[]
}

interface Slot {
  vm: PlacementVm
  /** The current count as whole replicas. */
  from: number
  capacity: number
  /** The current count within capacity: where the greedy steps start from. */
  start: number
  target: number
  why: string[]
}

/** Counts from the outside world may be fractional, negative or NaN; a slot holds whole replicas. */
export const wholeCount = (n: number) => (Number.isFinite(n) ? Math.max(0, Math.floor(n)) : 0)

const byName = (a: Slot, b: Slot) => compareNames(a.vm.name, b.vm.name) || (a.vm.id < b.vm.id ? -1 : 1)

// Which VM takes the next replica, and which gives one back. On a tie, spread keeps adding to (or taking
// from) the VM it already changes, so fewer VMs are disturbed, and bin-pack prefers the larger VM to fill
// and the smaller to empty; then the name decides, so a plan is reproducible and the first-named VM keeps
// its replicas longest.
const addOrder: Record<PlacementStrategy, (a: Slot, b: Slot) => number> = {
  spread: (a, b) => a.target - b.target || a.start - b.start || byName(a, b),
  'bin-pack': (a, b) => b.target - a.target || b.capacity - a.capacity || byName(a, b),
}
const removeOrder: Record<PlacementStrategy, (a: Slot, b: Slot) => number> = {
  spread: (a, b) => b.target - a.target || b.start - a.start || byName(b, a),
  'bin-pack': (a, b) => a.target - b.target || a.capacity - b.capacity || byName(b, a),
}

function addReason(strategy: PlacementStrategy, pick: Slot, slots: readonly Slot[]): string {
  if (slots.filter((s) => s.target < s.capacity).length === 1) return `${strategy}: the only VM with room`
  if (strategy === 'spread') {
    const fewerOnFullVms = slots.some((s) => s.target < pick.target)
    return `spread: it ran the fewest${fewerOnFullVms ? ' of the VMs with room' : ''}`
  }
  if (pick.target > 0) return 'bin-pack: it ran the most of the VMs with room'
  return slots.some((s) => s.target > 0)
    ? 'bin-pack: the VMs in use are full, so it opens the largest empty VM'
    : 'bin-pack: it is the largest VM'
}

function removeReason(strategy: PlacementStrategy, target: number): string {
  if (strategy === 'spread') return 'spread: it ran the most'
  return target === 0
    ? 'bin-pack: it ran the fewest; now empty, it can be stopped'
    : 'bin-pack: it ran the fewest'
}

const replicas = (n: number) => `${n} ${n === 1 ? 'replica' : 'replicas'}`

/**
 * Moves from the current placement one replica at a time, so the number of starts and drains is
 * exactly the change in total: an unchanged total keeps every replica where it is, even when the
 * placement is not what the strategy would build from scratch (rebalancing would cost restarts).
 */
export function placeReplicas(
  vms: readonly PlacementVm[],
  total: number,
  strategy: PlacementStrategy,
): Placement {
  const slots: Slot[] = vms.map((vm) => {
    const from = wholeCount(vm.current)
    const capacity = wholeCount(vm.capacity)
    const start = Math.min(from, capacity)
    const why = start < from ? [`its capacity is ${replicas(capacity)}`] : []
    return { vm, from, capacity, start, target: start, why }
  })
  const want = wholeCount(total)
  let placed = slots.reduce((sum, s) => sum + s.target, 0)

  while (placed < want) {
    const pick = slots.filter((s) => s.target < s.capacity).sort(addOrder[strategy])[0]
    if (!pick) break
    if (pick.target === pick.start) pick.why.push(addReason(strategy, pick, slots))
    pick.target++
    placed++
  }
  while (placed > want) {
    const pick = slots.filter((s) => s.target > 0).sort(removeOrder[strategy])[0]
    if (!pick) break
    pick.target--
    placed--
  }

  const reasons: string[] = []
  for (const s of slots) {
    if (s.target === s.from) continue
    // A removal's reason depends on where the VM ends up, so it is worded once the plan is done.
    const why = s.target < s.start ? [...s.why, removeReason(strategy, s.target)] : s.why
    reasons.push(`${s.vm.name}: ${s.from} → ${replicas(s.target)} (${why.join('; ')})`)
  }
  return {
    targets: Object.fromEntries(slots.map((s) => [s.vm.id, s.target])),
    unplaced: want - placed,
    reasons,
  }
}
