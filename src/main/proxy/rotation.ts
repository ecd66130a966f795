// Keeps the front proxy's rotation in step with the cluster: a VM whose agent left or has no ready
// container is out at once; a VM the autoscaler drains stays at weight 0 until its last container is gone.
// Most store changes (1 Hz reports) leave the rotation as it is, so a change is judged by the one VM it is
// about, and the proxy is re-synced only when that VM's place in the rotation changed: with 1,000 VMs,
// rebuilding the whole list per report cost most of a core.

import { compareNames } from '../../shared/names'
import { type ClusterStore, readyContainers, type VmRecord } from '../cluster/cluster-store'
import type { FrontDataPlane } from './front-plane'
import type { FrontBackend } from './front-proxy'

/** A VM's place in the rotation; undefined while it has no agent or no address. */
export function rotationEntry(vm: VmRecord): FrontBackend | undefined {
  if (!vm.agent || !vm.address) return undefined
  const colon = vm.address.lastIndexOf(':')
  const address = { host: vm.address.slice(0, colon), port: Number(vm.address.slice(colon + 1)) }
  return { vmId: vm.name, address, readyContainers: readyContainers(vm), draining: vm.draining }
}

/**
 * A VM's backends: its agent's load balancer, or, for a VM without an agent (a Swarm node), each of its
 * ready containers that the front proxy reaches directly.
 */
export function rotationEntries(vm: VmRecord): FrontBackend[] {
  const routed = [...vm.containers.values()].filter((c) => c.route)
  if (routed.length === 0) {
    const entry = rotationEntry(vm)
    return entry ? [entry] : []
  }
  if (!vm.agent) return []
  return routed.flatMap(({ route, state }) =>
    route && state === 'ready'
      ? [
          {
            vmId: route.backendId,
            address: { host: route.host, port: route.port },
            readyContainers: 1,
            draining: vm.draining,
            healthPath: route.healthPath,
          },
        ]
      : [],
  )
}

function sameEntry(a: FrontBackend | undefined, b: FrontBackend | undefined): boolean {
  if (!a || !b) return a === b
  return (
    a.vmId === b.vmId &&
    a.address.host === b.address.host &&
    a.address.port === b.address.port &&
    a.readyContainers === b.readyContainers &&
    a.draining === b.draining &&
    a.healthPath === b.healthPath
  )
}

function sameEntries(a: readonly FrontBackend[] | undefined, b: readonly FrontBackend[]): boolean {
  if (!a) return b.length === 0
  return a.length === b.length && a.every((entry, i) => sameEntry(entry, b[i]))
}

export function followCluster(
  store: ClusterStore,
  proxy: Pick<FrontDataPlane, 'syncBackends'>,
  onSync?: (inRotation: number) => void,
): () => void {
  const entries = new Map<string, FrontBackend[]>()
  // The names in `entries`, in name order (as the store lists its VMs), kept sorted as VMs come and go:
  // sorting them all again for each of 1,000 agents joining cost seconds of CPU.
  const order: string[] = []
  const place = (name: string) => {
    let low = 0
    let high = order.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (compareNames(order[middle]!, name) < 0) low = middle + 1
      else high = middle
    }
    return low
  }
  const push = () => {
    const backends = order.flatMap((name) => entries.get(name)!)
    proxy.syncBackends(backends)
    onSync?.(backends.filter((b) => b.readyContainers > 0 && !b.draining).length)
  }
  const update = (name: string): boolean => {
    const record = store.vm(name)
    const entry = record ? rotationEntries(record) : []
    const previous = entries.get(name)
    if (sameEntries(previous, entry)) return false
    if (entry.length > 0) {
      if (!previous) order.splice(place(name), 0, name)
      entries.set(name, entry)
    } else {
      order.splice(place(name), 1)
      entries.delete(name)
    }
    return true
  }
  const resync = (): boolean => {
    let changed = false
    const listed = new Set<string>()
    for (const vm of store.vms()) {
      listed.add(vm.name)
      changed = update(vm.name) || changed
    }
    for (const name of [...entries.keys()]) if (!listed.has(name)) changed = update(name) || changed
    return changed
  }
  resync()
  push()
  return store.subscribe((vmName) => {
    if (vmName === undefined ? resync() : update(vmName)) push()
  })
}
