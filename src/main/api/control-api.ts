// The one implementation of the control API; transports (IPC, HTTP) only carry its calls.
import type { ControlApi } from '../../shared/api/contract'
import type { ClusterStore } from '../cluster/cluster-store'

export interface ControlApiDeps {
  store: ClusterStore
  version: string
  startedAt: number
  now?: () => number
}

export function createControlApi({ store, version, startedAt, now = Date.now }: ControlApiDeps): ControlApi {
  return {
    'health:get': async () => ({ ok: true, version, uptimeSeconds: Math.max(0, (now() - startedAt) / 1000) }),
    'cluster:get': async () => store.snapshot(now()),
  }
}
