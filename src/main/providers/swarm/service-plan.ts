// One evaluation of the service's replica count: the tasks' utilization from the cluster store (the same
// windows the agents' containers have) through the shared policy, and the events that explain a change.
import type { PolicyState } from '../../../shared/policy'
import type { ClusterScalingSettings } from '../../../shared/scaler'
import type { ClusterStore } from '../../cluster/cluster-store'
import { type EventInput, scalingEvent } from '../../cluster/event-log'
import { decideServiceReplicas } from './swarm-scaling'
import { nodeVmName, type SwarmNodeView } from './swarm-view'

export interface ServicePlanInput {
  now: number
  settings: ClusterScalingSettings
  service: string
  tasksPerNode: number
  nodes: readonly SwarmNodeView[]
  /** The policy's replica count in force. */
  wanted: number
  store: Pick<ClusterStore, 'vm'>
  leaving(name: string): boolean
}

/** The next replica count with its events, or undefined while no node can take a task. */
export function planService(
  input: ServicePlanInput,
  previous: PolicyState | undefined,
): { desired: number; state: PolicyState; events: EventInput[] } | undefined {
  const { now, settings } = input
  const windowMs = settings.policy.metricWindowSeconds * 1000
  const nodes = input.nodes.map((node) => ({
    name: nodeVmName(node),
    schedulable: node.state === 'ready' && node.availability === 'active' && !input.leaving(nodeVmName(node)),
    capacity: input.tasksPerNode,
  }))
  if (!nodes.some((n) => n.schedulable)) return undefined
  const tasks = nodes.flatMap((node) => {
    const record = input.store.vm(node.name)
    if (!record || input.leaving(node.name)) return []
    return [...record.containers.values()]
      .filter((c) => c.state === 'ready' || c.state === 'starting')
      .map((c) => ({
        id: c.id,
        node: node.name,
        ready: c.state === 'ready',
        readySinceMs: c.readySinceMs,
        utilization: c.window.utilization(now, windowMs),
      }))
  })
  const decision = decideServiceReplicas(
    { now, policy: settings.policy, current: input.wanted, nodes, tasks },
    previous,
  )
  if (decision.desired === input.wanted) return { desired: input.wanted, state: decision.state, events: [] }
  const placement = settings.placement === 'spread' ? 'spread over nodes' : 'its default spread'
  return {
    desired: decision.desired,
    state: decision.state,
    events: [
      scalingEvent(decision.reason),
      {
        kind: 'placement',
        message: `Swarm service ${input.service}: ${input.wanted} → ${decision.desired} tasks; Swarm places them (${placement}, at most ${input.tasksPerNode} per node)`,
      },
    ],
  }
}
