// The Swarm as the rest of the VIM sees it: each node a VM in the cluster store (listed by the swarm
// provider, up while Swarm says it is ready), each task one of its containers with its route for the front
// proxy, and the same 1 s history the agents' reports feed.
import type { SwarmStatus } from '../../../shared/domain/swarm'
import type { ClusterStore } from '../../cluster/cluster-store'
import type { ClusterSeries } from '../../cluster/time-series'
import type { NodeFacts } from './node-departures'
import {
  nodeProviderState,
  nodeVmName,
  type SwarmNodeView,
  type SwarmTaskView,
  type TaskRoute,
  taskName,
  taskRoutes,
  taskState,
} from './swarm-view'
import { percentOfLimit } from './task-stats'

/** What the front proxy probes on each task (the workload's own health path). */
export const TASK_HEALTH_PATH = '/healthz'

export interface SwarmReading {
  clusterId: string
  portBase: number
  tasksPerNode: number
  /** Each task's CPU limit, to state its CPU as a share of it. */
  taskCpus: number
  nodes: readonly SwarmNodeView[]
  tasks: readonly SwarmTaskView[]
  /** Tasks that answered their health check once. */
  answered: ReadonlySet<string>
  /** The latest `docker stats` sample per task id. */
  stats: ReadonlyMap<string, { cpuPercent: number; memoryBytes: number }>
  /** When each node was first seen ready (kept by the caller, updated here). */
  upSince: Map<string, number>
  leaving(name: string): boolean
  outOfRotation(name: string): boolean
  inFlight(backendId: string): number
}

export function recordSwarm(
  sinks: { store: ClusterStore; series: ClusterSeries },
  reading: SwarmReading,
  now: number,
): void {
  const { store } = sinks
  const routes = new Map(
    taskRoutes(reading.clusterId, reading.portBase, reading.nodes, reading.tasks, reading.answered).map(
      (r) => [r.taskId, r],
    ),
  )
  store.providerListed(
    'swarm',
    reading.nodes.map((node) => ({
      name: nodeVmName(node),
      provider: 'swarm' as const,
      state: nodeProviderState(node, reading.leaving(nodeVmName(node))),
      capacity: reading.tasksPerNode,
    })),
  )
  for (const node of reading.nodes) {
    const name = nodeVmName(node)
    if (node.state === 'ready' && !reading.upSince.has(name)) reading.upSince.set(name, now)
    if (node.state !== 'ready') reading.upSince.delete(name)
    const containers = reading.tasks.flatMap((task) => {
      if (task.nodeId !== node.id) return []
      const state = taskState(task, reading.answered.has(task.id))
      if (!state) return []
      const route = routes.get(task.id)
      const stats = reading.stats.get(task.id)
      return [
        {
          id: task.id,
          name: taskName(reading.clusterId, task),
          state,
          cpuPercent: stats ? percentOfLimit(stats.cpuPercent, reading.taskCpus) : 0,
          memoryBytes: stats?.memoryBytes ?? 0,
          inFlight: route ? reading.inFlight(route.id) : 0,
          requestRate: 0,
          latencyMsP95: null,
          unhealthyReason: state === 'crashed' ? (task.error ?? 'exited') : null,
          ...(route && {
            route: { backendId: route.id, host: route.host, port: route.port, healthPath: TASK_HEALTH_PATH },
          }),
        },
      ]
    })
    const since = reading.upSince.get(name)
    const role = node.manager ? 'manager' : 'worker'
    store.observeVm(
      name,
      {
        capacity: reading.tasksPerNode,
        address: node.address,
        up: since !== undefined ? { version: `Docker ${node.engineVersion} (Swarm ${role})`, since } : null,
        containers,
      },
      now,
    )
    recordSeries(sinks.series, name, containers, now)
    store.setDraining(name, reading.outOfRotation(name))
    store.setTarget(name, containers.filter((c) => c.state !== 'draining').length)
  }
}

function recordSeries(
  series: ClusterSeries,
  name: string,
  containers: readonly { id: string; state: string; cpuPercent: number; memoryBytes: number }[],
  at: number,
): void {
  const serving = containers.filter((c) => c.state === 'ready' || c.state === 'draining')
  series.recordVm(name, at, {
    cpuPercent: serving.length ? serving.reduce((sum, c) => sum + c.cpuPercent, 0) / serving.length : 0,
    memoryBytes: containers.reduce((sum, c) => sum + c.memoryBytes, 0),
    replicas: containers.length,
    readyReplicas: containers.filter((c) => c.state === 'ready').length,
    requestRate: 0,
  })
  for (const c of containers)
    series.recordContainer(name, c.id, at, { cpuPercent: c.cpuPercent, memoryBytes: c.memoryBytes })
  series.retainContainers(name, new Set(containers.map((c) => c.id)))
}

export const SWARM_OFF: SwarmStatus = {
  mode: 'off',
  managerAddress: null,
  service: null,
  replicas: null,
  nodes: [],
  problem: null,
}

/** What GET /api/v1/swarm answers while Swarm mode is on. */
export function swarmStatus(input: {
  owned: boolean
  managerAddress: string
  service: string
  replicas: number
  nodes: readonly SwarmNodeView[]
  tasks: readonly SwarmTaskView[]
  problem: string | null
}): SwarmStatus {
  const tasksOn = (id: string) => input.tasks.filter((t) => t.nodeId === id && t.state === 'running').length
  return {
    mode: input.owned ? 'owned' : 'adopted',
    managerAddress: input.managerAddress,
    service: input.service,
    replicas: input.replicas,
    nodes: input.nodes.map((node) => ({
      name: nodeVmName(node),
      address: node.address,
      availability: node.availability,
      state: node.state,
      manager: node.manager,
      tasks: tasksOn(node.id),
    })),
    problem: input.problem,
  }
}

/** What a leaving node's next drain step depends on: its tasks, the ready ones elsewhere, its requests. */
export function departureFacts(
  name: string,
  input: {
    nodes: readonly SwarmNodeView[]
    tasks: readonly SwarmTaskView[]
    routes: readonly TaskRoute[]
    wanted: number
    leaving(name: string): boolean
    inFlight(backendId: string): number
  },
): NodeFacts {
  const node = input.nodes.find((n) => nodeVmName(n) === name)
  const onNode = input.tasks.filter((t) => t.nodeId === node?.id && t.state === 'running')
  const elsewhere = input.routes.filter((r) => r.vmName !== name && !input.leaving(r.vmName))
  return {
    tasksOnNode: onNode.length,
    readyElsewhere: elsewhere.length,
    wanted: input.wanted,
    inFlight: input.routes.filter((r) => r.vmName === name).reduce((sum, r) => sum + input.inFlight(r.id), 0),
  }
}
