// What the VIM reads from a Swarm manager, reduced to what it decides on: nodes as VMs, the service's
// tasks as their containers, and the front proxy's routing table (one backend per ready task). Pure.
import type { ContainerState, ProviderVmState } from '../../../shared/domain/cluster'
import { serviceName, slotPort } from './service-spec'

export interface SwarmNodeView {
  id: string
  hostname: string
  /** The address the node's tasks answer on (host networking): its Swarm address. */
  address: string
  /** Swarm's view: 'ready', 'down', 'unknown', 'disconnected'. */
  state: string
  availability: 'active' | 'pause' | 'drain'
  manager: boolean
  engineVersion: string
}

export interface SwarmTaskView {
  id: string
  slot: number
  nodeId: string
  /** Observed state: new … starting, running, complete, shutdown, failed, rejected, orphaned. */
  state: string
  desiredState: string
  containerId: string | undefined
  error: string | undefined
}

/** One ready task as a front-proxy backend. */
export interface TaskRoute {
  /** `node/task`, the backend's id and what X-Served-By shows for it. */
  id: string
  vmName: string
  taskId: string
  host: string
  port: number
}

/** Docker's node object, as dockerode returns it (the fields used here). */
export interface DockerNode {
  ID: string
  Description?: { Hostname?: string; Engine?: { EngineVersion?: string } }
  Spec?: { Availability?: string; Role?: string }
  Status?: { State?: string; Addr?: string }
  ManagerStatus?: { Addr?: string }
}

export interface DockerTask {
  ID: string
  Slot?: number
  NodeID?: string
  DesiredState?: string
  Status?: { State?: string; Err?: string; ContainerStatus?: { ContainerID?: string } }
}

export function nodeView(node: DockerNode): SwarmNodeView {
  const availability = node.Spec?.Availability
  let address = node.Status?.Addr ?? ''
  // A manager listening on every address reports 0.0.0.0; its advertised address is in ManagerStatus.
  if ((!address || address === '0.0.0.0') && node.ManagerStatus?.Addr)
    address = node.ManagerStatus.Addr.replace(/:\d+$/, '')
  return {
    id: node.ID,
    hostname: node.Description?.Hostname || node.ID.slice(0, 12),
    address,
    state: node.Status?.State ?? 'unknown',
    availability: availability === 'pause' || availability === 'drain' ? availability : 'active',
    manager: node.Spec?.Role === 'manager',
    engineVersion: node.Description?.Engine?.EngineVersion ?? '',
  }
}

export function taskView(task: DockerTask): SwarmTaskView | undefined {
  if (task.Slot === undefined || !task.NodeID) return undefined
  return {
    id: task.ID,
    slot: task.Slot,
    nodeId: task.NodeID,
    state: task.Status?.State ?? 'new',
    desiredState: task.DesiredState ?? 'running',
    containerId: task.Status?.ContainerStatus?.ContainerID || undefined,
    error: task.Status?.Err || undefined,
  }
}

/** The name Docker gives the task's container, which `{{.Task.Name}}` renders in X-Served-By. */
export function taskName(clusterId: string, task: Pick<SwarmTaskView, 'id' | 'slot'>): string {
  return `${serviceName(clusterId)}.${task.slot}.${task.id}`
}

/** The VM name of a node: its host name (the lab hosts' and SSH hosts' own names). */
export function nodeVmName(node: SwarmNodeView): string {
  return node.hostname
}

/** A task as the VMs page shows a container; undefined for tasks that are gone for good. */
export function taskState(task: SwarmTaskView, ready: boolean): ContainerState | undefined {
  if (task.state === 'running') {
    if (task.desiredState !== 'running') return 'draining'
    return ready ? 'ready' : 'starting'
  }
  if (task.desiredState !== 'running') return undefined
  if (task.state === 'failed' || task.state === 'rejected') return 'crashed'
  if (['complete', 'shutdown', 'orphaned', 'remove'].includes(task.state)) return undefined
  return 'starting'
}

/** The node's power state as a provider reports it: a drained node is "stopped", paused one "stopping". */
export function nodeProviderState(node: SwarmNodeView, leaving: boolean): ProviderVmState {
  if (node.state !== 'ready') return 'unknown'
  if (node.availability === 'drain') return 'stopped'
  if (leaving || node.availability === 'pause') return 'stopping'
  return 'running'
}

/**
 * The front proxy's backends: each task that runs, is meant to run, answered its health check and whose
 * node is up. `ready` holds the ids of tasks that answered.
 */
export function taskRoutes(
  clusterId: string,
  portBase: number,
  nodes: readonly SwarmNodeView[],
  tasks: readonly SwarmTaskView[],
  ready: ReadonlySet<string>,
): TaskRoute[] {
  const byId = new Map(nodes.map((node) => [node.id, node]))
  const routes: TaskRoute[] = []
  for (const task of tasks) {
    const node = byId.get(task.nodeId)
    if (node?.state !== 'ready' || !node.address) continue
    if (taskState(task, ready.has(task.id)) !== 'ready') continue
    const vmName = nodeVmName(node)
    routes.push({
      id: `${vmName}/${taskName(clusterId, task)}`,
      vmName,
      taskId: task.id,
      host: node.address,
      port: slotPort(portBase, task.slot),
    })
  }
  return routes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/** Tasks whose health is worth probing: running and meant to run, on a node that is up. */
export function tasksToProbe(
  portBase: number,
  nodes: readonly SwarmNodeView[],
  tasks: readonly SwarmTaskView[],
): { taskId: string; host: string; port: number }[] {
  const byId = new Map(nodes.map((node) => [node.id, node]))
  return tasks.flatMap((task) => {
    const node = byId.get(task.nodeId)
    if (!node?.address || task.state !== 'running' || task.desiredState !== 'running') return []
    return [{ taskId: task.id, host: node.address, port: slotPort(portBase, task.slot) }]
  })
}
