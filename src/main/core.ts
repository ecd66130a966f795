// Assembles the VIM core: cluster state and the control API, independent of any window or transport.
import { version } from '../../package.json'
import type { ControlApi } from '../shared/api/contract'
import { createControlApi } from './api/control-api'
import { ClusterStore } from './cluster/cluster-store'
import type { VimOptions } from './config/cli'

export interface CoreOptions extends Omit<VimOptions, 'uiPort' | 'dataDir'> {
  dataDir: string
}

export interface Core {
  readonly api: ControlApi
  readonly store: ClusterStore
  readonly options: CoreOptions
  stop(): Promise<void>
}

export async function startCore(options: CoreOptions): Promise<Core> {
  const store = new ClusterStore()
  const api = createControlApi({ store, version, startedAt: Date.now() })
  return {
    api,
    store,
    options,
    stop: async () => {},
  }
}
