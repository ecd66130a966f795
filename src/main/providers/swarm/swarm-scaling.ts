// The Swarm service's replica count and the make-before-break drain of a node, as pure decisions: the
// same shared policy the agents and the cluster autoscaler use decides the total; a node that leaves is
// paused, its tasks are replaced elsewhere, taken out of the rotation, and only then drained.
import { type Decision, decideReplicas, type PolicyState, type ScalingPolicy } from '../../../shared/policy'

export interface ScalingNode {
  name: string
  /** Up and taking tasks (ready, availability active, not leaving). */
  schedulable: boolean
  /** Most tasks it runs (max replicas per node); 0 = no limit of its own. */
  capacity: number
}

export interface ScalingTask {
  id: string
  node: string
  ready: boolean
  readySinceMs?: number | undefined
  /** Mean CPU over the metric window as a fraction of the task's limit; absent = no metric yet. */
  utilization?: number | undefined
}

export interface ReplicaInput {
  now: number
  policy: ScalingPolicy
  /** The service's replicas now, without the surge held for leaving nodes. */
  current: number
  nodes: readonly ScalingNode[]
  /** Tasks that serve or start, on nodes that are not leaving. */
  tasks: readonly ScalingTask[]
}

/** How many tasks fit on the schedulable nodes; undefined when one of them has no limit. */
export function swarmCapacity(nodes: readonly ScalingNode[]): number | undefined {
  let total = 0
  for (const node of nodes) {
    if (!node.schedulable) continue
    if (node.capacity <= 0) return undefined
    total += node.capacity
  }
  return total
}

/** The policy's replica count for the service, with its reason (the event log's "scaling" entry). */
export function decideServiceReplicas(input: ReplicaInput, previous?: PolicyState): Decision {
  const capacity = swarmCapacity(input.nodes)
  return decideReplicas(
    {
      now: input.now,
      currentReplicas: input.current,
      policy: input.policy,
      samples: input.tasks.map((task) => ({
        id: task.id,
        ready: task.ready,
        ...(task.readySinceMs !== undefined && { readySinceMs: task.readySinceMs }),
        ...(task.utilization !== undefined && { utilization: task.utilization }),
      })),
      ...(capacity !== undefined && { capacity }),
    },
    previous,
  )
}

/** Where a leaving node is on its way out. */
export type DrainPhase = 'replacing' | 'draining' | 'drained'

export interface DrainInput {
  now: number
  phase: DrainPhase
  /** When the current phase began. */
  sinceMs: number
  /** Its tasks that still run. */
  tasksOnNode: number
  /** Ready tasks on the other nodes that stay. */
  readyElsewhere: number
  /** What the service must keep serving: the policy's replicas. */
  wanted: number
  /** Requests the front proxy has in flight to its tasks. */
  inFlight: number
  /** Longest wait for replacements, and for in-flight requests, before it goes on anyway. */
  replaceTimeoutMs: number
  drainTimeoutMs: number
}

export interface DrainStep {
  phase: DrainPhase
  /** Tasks the service runs above the policy's count so that the node's are replaced first. */
  surge: number
  /** Its tasks at weight 0 in the rotation (no new request, in-flight ones finish). */
  outOfRotation: boolean
  /** Set the node's availability to drain now (Swarm stops its tasks). */
  drainNow: boolean
  /** Said once when the phase changes. */
  message?: string
}

/** One second of a node's departure. The caller keeps `phase` and `sinceMs` from the returned step. */
export function drainStep(node: string, input: DrainInput): DrainStep {
  const waited = input.now - input.sinceMs
  if (input.phase === 'replacing') {
    const replaced = input.readyElsewhere >= Math.max(1, input.wanted)
    const late = waited >= input.replaceTimeoutMs
    if (input.tasksOnNode === 0 || replaced || late) {
      const why =
        input.tasksOnNode === 0
          ? 'it runs no task'
          : replaced
            ? `${plural(input.readyElsewhere, 'task')} ready on other nodes`
            : `no replacement was ready within ${Math.round(input.replaceTimeoutMs / 1000)} s`
      return {
        phase: 'draining',
        surge: input.tasksOnNode,
        outOfRotation: true,
        drainNow: false,
        message: `${node}: out of the rotation (${why}); its ${plural(input.tasksOnNode, 'task')} finish their requests`,
      }
    }
    return { phase: 'replacing', surge: input.tasksOnNode, outOfRotation: false, drainNow: false }
  }
  if (input.phase === 'draining') {
    const idle = input.inFlight === 0
    if (idle || waited >= input.drainTimeoutMs)
      return {
        phase: 'drained',
        surge: 0,
        outOfRotation: true,
        drainNow: true,
        message: idle
          ? `${node}: drained (no request in flight); Swarm stops its tasks`
          : `${node}: ${input.inFlight} requests still in flight after ${Math.round(input.drainTimeoutMs / 1000)} s; draining anyway`,
      }
    return { phase: 'draining', surge: input.tasksOnNode, outOfRotation: true, drainNow: false }
  }
  return { phase: 'drained', surge: 0, outOfRotation: true, drainNow: false }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}
