// The running cluster's export: the saved policy, and the container size its agents announced (the most
// common one; the lab's default before any agent joined). Pure.

import { byteSize, DEFAULT_DRAIN_TIMEOUT_MS } from '../../../vmm-agent/config'
import { WORKLOAD_PORT } from '../../../vmm-agent/runtime/workload-image'
import { DEFAULT_HEALTH_SETTINGS } from '../../shared/balancer/health-settings'
import type { VimSettings } from '../../shared/domain/settings'
import type { HelloMessage } from '../../shared/protocol/messages'
import { LAB_DEFAULTS } from '../providers/lab/lab-settings'
import { type KubernetesExport, kubernetesExport } from './kubernetes-export'

export interface ClusterExportInput {
  settings: VimSettings
  /** The hellos of the agents connected now. */
  hellos: readonly Pick<HelloMessage, 'cpusPerContainer' | 'memoryPerContainerBytes'>[]
  clusterId: string
  version: string
}

export function exportCluster(input: ClusterExportInput): Omit<KubernetesExport, 'objects'> {
  const { yaml, notes } = kubernetesExport({
    policy: input.settings.scaling.policy,
    container: containerSize(input.hellos),
    health: DEFAULT_HEALTH_SETTINGS,
    clusterId: input.clusterId,
    image: `acs-workload:${input.version}`,
    port: WORKLOAD_PORT,
    drainSeconds: DEFAULT_DRAIN_TIMEOUT_MS / 1000,
  })
  return { yaml, notes }
}

export function containerSize(hellos: ClusterExportInput['hellos']): { cpus: number; memoryBytes: number } {
  const counts = new Map<string, number>()
  for (const hello of hellos) {
    const key = `${hello.cpusPerContainer}/${hello.memoryPerContainerBytes}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  const [common] = [...counts].sort((a, b) => b[1] - a[1])
  if (!common)
    return {
      cpus: LAB_DEFAULTS.cpusPerContainer,
      memoryBytes: byteSize('memoryPerContainer', LAB_DEFAULTS.memoryPerContainer),
    }
  const [cpus, memoryBytes] = common[0].split('/').map(Number) as [number, number]
  return { cpus, memoryBytes }
}
