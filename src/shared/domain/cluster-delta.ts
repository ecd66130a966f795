// What changed in the cluster between two pushes of the UI feed: the VMs and containers that changed, and
// only their changed fields. At 1,000 VMs a full snapshot is ~1.7 MB while a second of 1 Hz reports
// changes a few numbers per container, so the feed sends these between periodic full snapshots.
// Pure: `applyClusterDelta(previous, clusterDelta(previous, next))` equals `next`.
import { z } from 'zod'
import { compareNames } from '../names'
import { type ClusterSnapshot, ContainerInfo, type VmInfo, VmInfo as VmInfoSchema } from './cluster'

/** A container's changed fields (all of them for a new one); `unset` lists optional fields that went away. */
export const ContainerPatch = ContainerInfo.partial().extend({
  id: z.string(),
  unset: z.array(z.string()).optional(),
})
export type ContainerPatch = z.infer<typeof ContainerPatch>

export const ContainersPatch = z.object({
  /** Changed or new containers; new ones go after the others, as the VIM lists them. */
  set: z.array(ContainerPatch).optional(),
  removed: z.array(z.string()).optional(),
  /** The whole order of ids, only when it is not what removing and appending give. */
  order: z.array(z.string()).optional(),
})
export type ContainersPatch = z.infer<typeof ContainersPatch>

/** A VM's changed fields (all of them for a new VM); `unset` lists optional fields that went away. */
export const VmPatch = VmInfoSchema.omit({ containers: true })
  .partial()
  .extend({
    name: z.string(),
    containers: ContainersPatch.optional(),
    unset: z.array(z.string()).optional(),
  })
export type VmPatch = z.infer<typeof VmPatch>

export const ClusterDelta = z.object({
  /** The `at` of the snapshot this applies to: a client holding another one waits for the next full snapshot. */
  since: z.number(),
  /** The `at` of the snapshot it makes. */
  at: z.number(),
  vms: z.array(VmPatch),
  /** Names of VMs that left the list. */
  removed: z.array(z.string()),
  /** Present when the front proxy's URL changed. */
  proxyUrl: z.string().nullable().optional(),
})
export type ClusterDelta = z.infer<typeof ClusterDelta>

type Fields = Record<string, unknown>

/** Deep equality of JSON values (what the transports carry), key order ignored. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false
    return true
  }
  if (Array.isArray(b)) return false
  const aKeys = Object.keys(a).filter((key) => (a as Fields)[key] !== undefined)
  const bKeys = Object.keys(b).filter((key) => (b as Fields)[key] !== undefined)
  if (aKeys.length !== bKeys.length) return false
  for (const key of aKeys) if (!sameJson((a as Fields)[key], (b as Fields)[key])) return false
  return true
}

/** The fields of `next` that differ from `previous` (all of `next` without one), keyed by `key`. */
function fieldPatch(
  previous: Fields | undefined,
  next: Fields,
  key: string,
  skip?: string,
): Fields | undefined {
  const patch: Fields = { [key]: next[key] }
  let changed = previous === undefined
  for (const field in next) {
    if (field === key || field === skip || next[field] === undefined) continue
    if (previous && sameJson(previous[field], next[field])) continue
    patch[field] = next[field]
    changed = true
  }
  if (previous) {
    const unset: string[] = []
    for (const field in previous) {
      if (field !== skip && previous[field] !== undefined && next[field] === undefined) unset.push(field)
    }
    if (unset.length > 0) {
      patch.unset = unset
      changed = true
    }
  }
  return changed ? patch : undefined
}

function withPatch<T extends Fields>(base: T | undefined, patch: Fields, skip: string): T {
  const next: Fields = { ...base }
  for (const field in patch) if (field !== 'unset' && field !== skip) next[field] = patch[field]
  for (const field of (patch.unset as string[] | undefined) ?? []) delete next[field]
  return next as T
}

/** Which containers of one VM changed; undefined when none did. */
export function containersPatch(
  previous: readonly ContainerInfo[],
  next: readonly ContainerInfo[],
): ContainersPatch | undefined {
  const before = new Map(previous.map((c) => [c.id, c]))
  const after = new Set(next.map((c) => c.id))
  const set: ContainerPatch[] = []
  for (const container of next) {
    const patch = fieldPatch(before.get(container.id), container, 'id')
    if (patch) set.push(patch as ContainerPatch)
  }
  const removed = previous.filter((c) => !after.has(c.id)).map((c) => c.id)
  const kept = previous.filter((c) => after.has(c.id)).map((c) => c.id)
  const implied = [...kept, ...next.filter((c) => !before.has(c.id)).map((c) => c.id)]
  const inOrder = implied.every((id, i) => id === next[i]!.id)
  if (set.length === 0 && removed.length === 0 && inOrder) return undefined
  return {
    ...(set.length > 0 && { set }),
    ...(removed.length > 0 && { removed }),
    ...(!inOrder && { order: next.map((c) => c.id) }),
  }
}

/** What changed in one VM (everything, for a VM `previous` lacks); undefined when nothing did. */
export function vmPatch(previous: VmInfo | undefined, next: VmInfo): VmPatch | undefined {
  const fields = fieldPatch(previous, next, 'name', 'containers')
  const containers = containersPatch(previous?.containers ?? [], next.containers)
  if (!fields && !containers) return undefined
  return { ...(fields ?? { name: next.name }), ...(containers && { containers }) } as VmPatch
}

export function applyContainersPatch(
  previous: readonly ContainerInfo[],
  patch: ContainersPatch | undefined,
): ContainerInfo[] {
  if (!patch) return [...previous]
  const removed = new Set(patch.removed)
  const byId = new Map(previous.filter((c) => !removed.has(c.id)).map((c) => [c.id, c]))
  const order = [...byId.keys()]
  for (const change of patch.set ?? []) {
    const base = byId.get(change.id)
    if (!base) order.push(change.id)
    byId.set(change.id, withPatch(base, change, ''))
  }
  return (patch.order ?? order).flatMap((id) => byId.get(id) ?? [])
}

export function applyVmPatch(previous: VmInfo | undefined, patch: VmPatch): VmInfo {
  const next = withPatch(previous, patch, 'containers')
  next.containers = applyContainersPatch(previous?.containers ?? [], patch.containers)
  return next
}

/**
 * The delta between two snapshots by diffing them whole. The feed builds its deltas VM by VM from what the
 * store says changed (see event-feed.ts); this is the same rule over a whole cluster, for tests and tools.
 */
export function clusterDelta(previous: ClusterSnapshot, next: ClusterSnapshot): ClusterDelta {
  const before = new Map(previous.vms.map((vm) => [vm.name, vm]))
  const after = new Set(next.vms.map((vm) => vm.name))
  return {
    since: previous.at,
    at: next.at,
    vms: next.vms.flatMap((vm) => vmPatch(before.get(vm.name), vm) ?? []),
    removed: previous.vms.filter((vm) => !after.has(vm.name)).map((vm) => vm.name),
    ...(previous.proxyUrl !== next.proxyUrl && { proxyUrl: next.proxyUrl }),
  }
}

/**
 * The snapshot a delta makes of the one it was built against; undefined when `previous` is another one
 * (the client then keeps what it shows until the next full snapshot). VMs stay in name order.
 */
export function applyClusterDelta(
  previous: ClusterSnapshot,
  delta: ClusterDelta,
): ClusterSnapshot | undefined {
  if (delta.since !== previous.at) return undefined
  const removed = new Set(delta.removed)
  const patches = new Map(delta.vms.map((patch) => [patch.name, patch]))
  let added = false
  const vms: VmInfo[] = []
  for (const vm of previous.vms) {
    if (removed.has(vm.name)) continue
    const patch = patches.get(vm.name)
    patches.delete(vm.name)
    // Unchanged VMs keep their object, so that views memoised on it do not render again.
    vms.push(patch ? applyVmPatch(vm, patch) : vm)
  }
  for (const patch of patches.values()) {
    vms.push(applyVmPatch(undefined, patch))
    added = true
  }
  if (added) vms.sort((a, b) => compareNames(a.name, b.name))
  return {
    at: delta.at,
    vms,
    proxyUrl: delta.proxyUrl !== undefined ? delta.proxyUrl : previous.proxyUrl,
  }
}
