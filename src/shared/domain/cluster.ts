// The cluster as every tier sees it: VMs, their containers, and the snapshot the UI renders.
import { z } from 'zod'

export const VmStatus = z.enum(['provisioning', 'ready', 'draining', 'down', 'stopped'])
export type VmStatus = z.infer<typeof VmStatus>

export const ProviderKind = z.enum(['lab', 'ssh', 'virtualbox'])
export type ProviderKind = z.infer<typeof ProviderKind>

/** A VM's power state as its provider reports it (distinct from VmStatus, which includes the agent). */
export const ProviderVmState = z.enum(['stopped', 'starting', 'running', 'stopping', 'unknown'])
export type ProviderVmState = z.infer<typeof ProviderVmState>

export const ContainerState = z.enum(['starting', 'ready', 'draining', 'stopped', 'crashed'])
export type ContainerState = z.infer<typeof ContainerState>

export const ContainerInfo = z.object({
  id: z.string(),
  name: z.string(),
  state: ContainerState,
  /** CPU use as a percentage of this container's own CPU limit (100 = the whole allotment). */
  cpuPercent: z.number().nonnegative(),
  memoryBytes: z.number().int().nonnegative(),
})
export type ContainerInfo = z.infer<typeof ContainerInfo>

export const VmInfo = z.object({
  id: z.string(),
  name: z.string(),
  status: VmStatus,
  provider: ProviderKind,
  /** Where the VM's agent load balancer answers, `host:port`; empty until known. */
  address: z.string(),
  capacity: z.object({ containers: z.number().int().nonnegative() }),
  containers: z.array(ContainerInfo),
})
export type VmInfo = z.infer<typeof VmInfo>

export const ClusterSnapshot = z.object({
  /** Milliseconds since the epoch at which the snapshot was taken. */
  at: z.number(),
  vms: z.array(VmInfo),
})
export type ClusterSnapshot = z.infer<typeof ClusterSnapshot>
