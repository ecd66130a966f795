// Keeps the front proxy's rotation in step with the cluster: a VM whose agent left or has no ready
// container is out at once; a VM the autoscaler drains stays at weight 0 until its last container is gone. Most store changes (1 Hz reports) leave the rotation as it is, so it is only
// re-synced when one of its inputs changed.
import { type ClusterStore, readyContainers } from '../cluster/cluster-store'
import type { FrontDataPlane } from './front-plane'
import type { FrontBackend } from './front-proxy'

export function followCluster(
  store: ClusterStore,
  proxy: Pick<FrontDataPlane, 'syncBackends'>,
  onSync?: (inRotation: number) => void,
): () => void {
  let lastKey: string | undefined
  const sync = () => {
    const backends: FrontBackend[] = store.vms().flatMap((vm) => {
      if (!vm.agent || !vm.address) return []
      const colon = vm.address.lastIndexOf(':')
      const address = { host: vm.address.slice(0, colon), port: Number(vm.address.slice(colon + 1)) }
      return [{ vmId: vm.name, address, readyContainers: readyContainers(vm), draining: vm.draining }]
    })
    const key = backends
      .map(
        (b) => `${b.vmId}@${b.address.host}:${b.address.port}#${b.readyContainers}${b.draining ? '-' : ''}`,
      )
      .join(' ')
    if (key === lastKey) return
    lastKey = key
    proxy.syncBackends(backends)
    onSync?.(backends.filter((b) => b.readyContainers > 0 && !b.draining).length)
  }
  sync()
  return store.subscribe(sync)
}
