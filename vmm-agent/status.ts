// The agent's state as one JSON document: served at GET /_agent/status and the source of its reports.
import type { Agent } from './agent'

export interface ReplicaStatus {
  id: string
  name: string
  state: string
  address: string
  cpus: number
  memoryLimitBytes: number
  cpuPercent: number | null
  memoryBytes: number | null
  inFlight: number
  requestRate: number
  latencyMsP50: number | null
  latencyMsP95: number | null
  startedAt: number
  readyAt: number | null
  /** Why the active health checks find it unhealthy; null while healthy (or not yet checked). */
  unhealthyReason: string | null
}

export interface AgentStatus {
  name: string
  agentId: string
  /** The agent's process id, for an operator (or a test) that must signal it. */
  pid: number
  runtime: string
  isolation: 'container' | 'none'
  mode: 'standalone' | 'following'
  link: string
  capacity: number
  target: number
  recommendation: { replicas: number; reason: string } | null
  replicas: ReplicaStatus[]
}

export function agentStatus(agent: Agent, link: string): AgentStatus {
  const backends = agent.backendStats()
  const decision = agent.recommendation
  return {
    name: agent.config.name,
    agentId: agent.id,
    pid: process.pid,
    runtime: agent.config.runtime,
    // The process runtime cannot enforce limits: the UI labels it "no isolation".
    isolation: agent.config.runtime === 'docker' ? 'container' : 'none',
    mode: agent.mode,
    link,
    capacity: agent.config.capacity,
    target: agent.target,
    recommendation: decision ? { replicas: decision.desired, reason: decision.reason.message } : null,
    replicas: [...agent.replicas.values()]
      .sort((a, b) => a.handle.startedAt - b.handle.startedAt)
      .map((replica) => {
        const traffic = agent.meter.summary(replica.handle.id)
        const served = traffic.requestRate > 0
        return {
          id: replica.handle.id,
          name: replica.handle.name,
          state: replica.state,
          address: `${replica.handle.host}:${replica.handle.port}`,
          cpus: replica.handle.cpus,
          memoryLimitBytes: replica.handle.memoryBytes,
          cpuPercent: replica.stats.cpuPercent ?? null,
          memoryBytes: replica.stats.memoryBytes ?? null,
          inFlight: backends.get(replica.handle.id)?.inFlight ?? 0,
          requestRate: traffic.requestRate,
          latencyMsP50: served ? traffic.latencyMsP50 : null,
          latencyMsP95: served ? traffic.latencyMsP95 : null,
          startedAt: replica.handle.startedAt,
          readyAt: replica.readyAt ?? null,
          unhealthyReason: replica.unhealthy?.reason ?? null,
        }
      }),
  }
}
