// The cluster as every tier sees it: VMs, their containers, and the snapshot the UI renders.
import { z } from 'zod'
import { SshLoginInfo } from './provision'

/** `unhealthy`: its agent is connected but fails the front proxy's health check (see VmInfo.unhealthyReason). */
export const VmStatus = z.enum(['provisioning', 'ready', 'unhealthy', 'draining', 'down', 'stopped'])
export type VmStatus = z.infer<typeof VmStatus>

export const ProviderKind = z.enum(['lab', 'ssh', 'virtualbox', 'swarm'])
export type ProviderKind = z.infer<typeof ProviderKind>

/** A VM's power state as its provider reports it (distinct from VmStatus, which includes the agent). */
export const ProviderVmState = z.enum(['stopped', 'starting', 'running', 'stopping', 'unknown'])
export type ProviderVmState = z.infer<typeof ProviderVmState>

/** `unhealthy`: ready once, now failing its agent's health checks (see ContainerInfo.unhealthyReason). */
export const ContainerState = z.enum(['starting', 'ready', 'unhealthy', 'draining', 'stopped', 'crashed'])
export type ContainerState = z.infer<typeof ContainerState>

export const ContainerInfo = z.object({
  id: z.string(),
  name: z.string(),
  state: ContainerState,
  /** CPU use as a percentage of this container's own CPU limit (100 = the whole allotment). */
  cpuPercent: z.number().nonnegative(),
  memoryBytes: z.number().int().nonnegative(),
  inFlight: z.number().int().nonnegative().default(0),
  /** Requests per second through the VM's load balancer. */
  requestRate: z.number().nonnegative().default(0),
  latencyMsP95: z.number().nonnegative().nullable().default(null),
  /** Why its agent's health checks fail ("GET /healthz timed out after 1 s"); null unless unhealthy. */
  unhealthyReason: z.string().nullable().default(null),
})
export type ContainerInfo = z.infer<typeof ContainerInfo>

export const VmAgentInfo = z.object({
  version: z.string(),
  runtime: z.enum(['docker', 'process']),
  /** `following` the VIM's targets, or deciding alone (`standalone`). */
  mode: z.enum(['standalone', 'following']),
  connectedAt: z.number(),
  /** What the agent would do from its own measurements, with the policy's reason. */
  recommendation: z.object({ replicas: z.number().int().nonnegative(), reason: z.string() }).nullable(),
})
export type VmAgentInfo = z.infer<typeof VmAgentInfo>

/** The agent key the VIM trusts for a VM name (like a pinned SSH host key), and how it came to. */
export const VmAgentKeyInfo = z.object({
  fingerprint: z.string(),
  /** Milliseconds since the epoch. */
  pinnedAt: z.number(),
  /** `first-use`: the first agent that joined; `lab`/`deployed`: made by the VIM before the agent ran. */
  how: z.enum(['first-use', 'deployed', 'lab']),
})
export type VmAgentKeyInfo = z.infer<typeof VmAgentKeyInfo>

export const VmInfo = z.object({
  /** The VM's one key, everywhere: store, hub, providers, API and UI. */
  name: z.string(),
  status: VmStatus,
  provider: ProviderKind,
  /** Where the VM's agent load balancer answers, `host:port`; empty until known. */
  address: z.string(),
  capacity: z.object({ containers: z.number().int().nonnegative() }),
  containers: z.array(ContainerInfo),
  /** Replicas the VIM wants on this VM. */
  target: z.number().int().nonnegative().default(0),
  /** Mean CPU of its containers, in % of their limits. */
  cpuPercent: z.number().nonnegative().default(0),
  requestRate: z.number().nonnegative().default(0),
  agent: VmAgentInfo.nullable().default(null),
  /** How the VIM logs in to deploy the agent (SSH hosts and VirtualBox VMs with a login), else null. */
  login: SshLoginInfo.nullable().default(null),
  /** The agent key pinned for this VM name; null when none is (the next agent to join is trusted). */
  agentKey: VmAgentKeyInfo.nullable().default(null),
  /** Set while a stop or remove the user asked for waits for the VM's replicas to move and drain. */
  leaving: z.object({ action: z.enum(['stop', 'remove']), reason: z.string() }).optional(),
  /** Why the front proxy's health check of its agent fails (status `unhealthy`); null otherwise. */
  unhealthyReason: z.string().nullable().default(null),
})
export type VmInfo = z.infer<typeof VmInfo>

export const ClusterSnapshot = z.object({
  /** Milliseconds since the epoch at which the snapshot was taken. */
  at: z.number(),
  vms: z.array(VmInfo),
  /** Where clients send workload traffic (the front proxy), e.g. http://127.0.0.1:18080. */
  proxyUrl: z.string().nullable().default(null),
})
export type ClusterSnapshot = z.infer<typeof ClusterSnapshot>
