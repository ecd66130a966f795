// What the agent needs from a container runtime. Docker (isolated, real limits) and plain processes
// (no isolation, for machines without Docker) both implement it, so the agent's loops do not care.
import type { LogLine } from '../../src/shared/protocol/messages'
import type { LogQuery } from './log-lines'

export type RuntimeKind = 'docker' | 'process'

/** One replica of the workload as the runtime knows it. */
export interface ReplicaHandle {
  /** Runtime id: the Docker container id, or `proc-<pid>` for the process runtime. */
  id: string
  /** Human name; for Docker, the container's own name (it appears in X-Served-By). */
  name: string
  /** Where the agent's load balancer reaches it (always loopback or the host's own address). */
  host: string
  port: number
  /** CPU allotment in cores (e.g. 0.5) and memory limit in bytes. */
  cpus: number
  memoryBytes: number
  /** Epoch milliseconds when the runtime started it. */
  startedAt: number
  running: boolean
}

export interface ReplicaSpec {
  /** The VM (agent) name; Docker labels the container with it. */
  vmName: string
  cpus: number
  /** The period the CPU limit is enforced over, in ms (Docker only; default Docker's 100 ms). */
  cpuPeriodMs?: number
  memoryBytes: number
  /** Extra environment for the workload. */
  env?: Record<string, string>
}

export interface ReplicaExit {
  id: string
  exitCode: number | null
  /** e.g. 'oom', 'killed', 'crashed' */
  reason: string
}

export interface ContainerRuntime {
  readonly kind: RuntimeKind
  /** Checks that the runtime is usable (Docker reachable, image present or built); throws a clear Error. */
  prepare(): Promise<void>
  /** The replicas this agent manages that already exist (adopted on agent start). */
  list(): Promise<ReplicaHandle[]>
  start(spec: ReplicaSpec): Promise<ReplicaHandle>
  /** Stops and removes one replica. The agent drains it first. */
  remove(id: string): Promise<void>
  /** Called when a replica exits on its own (crash, kill, OOM). Returns the unsubscribe function. */
  onExit(listener: (exit: ReplicaExit) => void): () => void
  /** A replica's recent output, where the runtime keeps it (Docker does; plain processes do not). */
  logs?(id: string, query: LogQuery): Promise<LogLine[]>
  close(): Promise<void>
}
