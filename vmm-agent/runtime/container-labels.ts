// Which containers belong to an agent: those with its cluster AND its VM. Pure, so that the rule that keeps
// two clusters on one Docker engine apart is tested without Docker.
import { LABEL_CLUSTER } from '../../src/shared/cluster-id'

export const LABEL_MANAGED_BY = 'acs.managed-by'
export const MANAGED_BY = 'vmm-agent'
export const LABEL_VM = 'acs.vm'
/** The port the workload listens on inside the container (in host mode, also on the host). */
export const LABEL_PORT = 'acs.port'
export { LABEL_CLUSTER }

export interface ContainerOwner {
  cluster: string
  vmName: string
}

/** The labels every container of this owner carries. */
export function ownerLabels(owner: ContainerOwner): Record<string, string> {
  return { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_CLUSTER]: owner.cluster, [LABEL_VM]: owner.vmName }
}

/** Docker's `label` filter (every entry must match) for this owner's containers. */
export function ownerLabelFilter(owner: ContainerOwner): string[] {
  return Object.entries(ownerLabels(owner)).map(([key, value]) => `${key}=${value}`)
}

/** Whether a container with these labels is this owner's to adopt, count or remove. */
export function ownsContainer(labels: Record<string, string> | undefined, owner: ContainerOwner): boolean {
  const wanted = ownerLabels(owner)
  return Object.entries(wanted).every(([key, value]) => labels?.[key] === value)
}
