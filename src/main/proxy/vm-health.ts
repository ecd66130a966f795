// What the front proxy's health checks of the VMs change in the VIM: the VM's state in the store and a
// line in the event log each time a VM turns unhealthy or comes back.
import type { ClusterStore } from '../cluster/cluster-store'
import type { EventLog } from '../cluster/event-log'
import type { FrontProxyOptions } from './front-proxy'

export function recordVmHealth(
  store: Pick<ClusterStore, 'setVmHealth'>,
  events: Pick<EventLog, 'append'>,
): NonNullable<FrontProxyOptions['onHealthChange']> {
  return (vm, health) => {
    store.setVmHealth(vm, health && !health.healthy ? (health.reason ?? 'fails its health check') : null)
    // null: the VM left rotation (no ready container, agent gone), which the store and log already tell.
    if (!health) return
    const message = health.healthy
      ? `${vm} is healthy again and takes new requests`
      : `${vm} is unhealthy: ${health.reason}; it gets no new requests`
    events.append({ kind: 'proxy', vmId: vm, message })
  }
}
