// Turns a cluster snapshot into React Flow nodes and edges (VIM → VM; containers hang under their VM
// without edges). Pure and incremental: every node or edge whose look did not change is the previous
// graph's object itself, so React Flow re-renders only what changed at 4 snapshots a second.
import type { Edge, Node } from '@xyflow/react'
import type {
  ClusterSnapshot,
  ContainerInfo,
  ContainerState,
  ProviderKind,
  VmInfo,
  VmStatus,
} from '../../../../shared/domain/cluster'
import { roundRate, toMiB } from '../../components/units'
import { shortNames } from './short-names'
import {
  CELL_SIZE,
  CONTAINER_SIZE,
  cellPosition,
  containerPosition,
  EMPTY_LAYOUT,
  isCompact,
  layoutTopology,
  type TopologyLayout,
  VIM_SIZE,
  VM_SIZE,
  vimPosition,
  vmPosition,
  type XY,
} from './topology-layout'

/**
 * The snapshot does not carry containers' memory limits; the VM's memory bar assumes the agent's
 * default limit (`--memory-per-container 256m`) for each container it has room for.
 */
export const ASSUMED_MEMORY_PER_CONTAINER_BYTES = 256 * 2 ** 20

export type VimNodeData = { vms: number; readyVms: number; requestRate: number; proxyUrl: string | null }

export type VmNodeData = {
  vmId: string
  name: string
  status: VmStatus
  provider: ProviderKind
  cpuPercent: number
  memoryMiB: number
  memoryPercent: number
  replicas: number
  ready: number
  target: number
  capacity: number
  runtime: 'docker' | 'process' | null
  mode: 'following' | 'standalone' | null
  /** Why the front proxy's health check of its agent fails; null while it passes. */
  unhealthyReason: string | null
}

export type ContainerNodeData = {
  vmId: string
  containerId: string
  name: string
  /** What tells it apart from its VM's other containers (the name without their common start). */
  shortName: string
  state: ContainerState
  cpuPercent: number
  memoryMiB: number
  requestRate: number
  /** Why its agent's health checks fail; null while they pass. */
  unhealthyReason: string | null
}

export type VimFlowNode = Node<VimNodeData, 'vim'>
export type VmFlowNode = Node<VmNodeData, 'vm'>
export type ContainerFlowNode = Node<ContainerNodeData, 'container'>
/** A container drawn as a compact cell (see isCompact): the same data, a smaller node. */
export type CellFlowNode = Node<ContainerNodeData, 'cell'>
export type TopologyNode = VimFlowNode | VmFlowNode | ContainerFlowNode | CellFlowNode

/** What the user opened: a VM or one of its containers. */
export type TopologySelection =
  | { kind: 'vm'; vmId: string }
  | { kind: 'container'; vmId: string; containerId: string }

export interface TopologyGraph {
  readonly layout: TopologyLayout
  /** Treat as read-only: React Flow's props want mutable arrays. */
  readonly nodes: TopologyNode[]
  readonly edges: Edge[]
  readonly nodeById: ReadonlyMap<string, TopologyNode>
  readonly edgeById: ReadonlyMap<string, Edge>
  /** Nodes taken over unchanged from the previous graph (for tests and the benchmark). */
  readonly reusedNodes: number
}

export const VIM_NODE_ID = 'vim'
export const vmNodeId = (vmId: string) => `vm:${vmId}`
export const containerNodeId = (vmId: string, containerId: string) => `ct:${vmId}/${containerId}`

export function selectionNodeId(selection: TopologySelection | undefined): string | undefined {
  if (!selection) return undefined
  return selection.kind === 'vm'
    ? vmNodeId(selection.vmId)
    : containerNodeId(selection.vmId, selection.containerId)
}

/** The selection a node stands for; the VIM node opens nothing. */
export function selectionOf(node: TopologyNode | undefined): TopologySelection | undefined {
  if (node?.type === 'vm') return { kind: 'vm', vmId: node.data.vmId }
  if (node?.type === 'container' || node?.type === 'cell')
    return { kind: 'container', vmId: node.data.vmId, containerId: node.data.containerId }
  return undefined
}

export function buildTopologyGraph(
  snapshot: ClusterSnapshot,
  previous?: TopologyGraph,
  selectedNodeId?: string,
): TopologyGraph {
  const layout = layoutTopology(snapshot.vms, previous?.layout ?? EMPTY_LAYOUT)
  const before = previous?.nodeById ?? new Map<string, TopologyNode>()
  const edgesBefore = previous?.edgeById ?? new Map<string, Edge>()
  const nodes: TopologyNode[] = []
  const edges: Edge[] = []
  let reused = 0
  const keep = <N extends TopologyNode>(candidate: N): void => {
    const old = before.get(candidate.id)
    if (old && sameNode(old, candidate)) {
      reused++
      nodes.push(old)
    } else {
      nodes.push(candidate)
    }
  }
  const link = (candidate: Edge): void => {
    const old = edgesBefore.get(candidate.id)
    edges.push(old && sameEdge(old, candidate) ? old : candidate)
  }

  keep(vimNode(snapshot))
  const compact = isCompact(snapshot.vms)
  for (const vm of snapshot.vms) {
    const column = layout.columns.get(vm.name) ?? 0
    const vmId = vmNodeId(vm.name)
    keep(vmNode(vm, vmPosition(column), vmId === selectedNodeId))
    const rate = roundRate(vm.requestRate)
    link({
      id: `vim->${vmId}`,
      type: 'rate',
      source: VIM_NODE_ID,
      target: vmId,
      label: `${rate} req/s`,
      animated: rate > 0,
      className: `topology-edge status-${vm.status}`,
    })
    const rows = layout.rows.get(vm.name)
    const short = shortNames(vm.containers.map((c) => c.name))
    for (const container of vm.containers) {
      const id = containerNodeId(vm.name, container.id)
      const row = rows?.get(container.id) ?? 0
      const node = containerNode(vm.name, container, short.get(container.name) ?? container.name, id)
      keep(
        compact
          ? {
              ...node,
              type: 'cell',
              position: cellPosition(column, row),
              ...sized(CELL_SIZE),
              selected: id === selectedNodeId,
            }
          : {
              ...node,
              // The line from the VM down its column is drawn by CSS per node (topology.css), not by 500
              // edges: each React Flow edge costs a store subscriber and an SVG, and these carry no information.
              className: row === 0 ? 'first-in-column' : 'in-column',
              position: containerPosition(column, row),
              ...sized(CONTAINER_SIZE),
              selected: id === selectedNodeId,
            },
      )
    }
  }

  const unchanged =
    previous !== undefined &&
    layout === previous.layout &&
    reused === nodes.length &&
    nodes.length === previous.nodes.length &&
    edges.length === previous.edges.length &&
    edges.every((edge, i) => edge === previous.edges[i])
  if (unchanged) return { ...previous, reusedNodes: reused }
  return {
    layout,
    nodes,
    edges,
    nodeById: new Map(nodes.map((node) => [node.id, node])),
    edgeById: new Map(edges.map((edge) => [edge.id, edge])),
    reusedNodes: reused,
  }
}

function vimNode(snapshot: ClusterSnapshot): VimFlowNode {
  const requestRate = roundRate(snapshot.vms.reduce((sum, vm) => sum + vm.requestRate, 0))
  return {
    id: VIM_NODE_ID,
    type: 'vim',
    position: vimPosition(),
    ...sized(VIM_SIZE),
    ariaLabel: 'VIM: front proxy and autoscaler',
    data: {
      vms: snapshot.vms.length,
      readyVms: snapshot.vms.filter((vm) => vm.status === 'ready').length,
      requestRate,
      proxyUrl: snapshot.proxyUrl,
    },
  }
}

function vmNode(vm: VmInfo, position: XY, selected: boolean): VmFlowNode {
  const memoryBytes = vm.containers.reduce((sum, c) => sum + c.memoryBytes, 0)
  const budget = vm.capacity.containers * ASSUMED_MEMORY_PER_CONTAINER_BYTES
  return {
    id: vmNodeId(vm.name),
    type: 'vm',
    position,
    ...sized(VM_SIZE),
    selected,
    ariaLabel: `VM ${vm.name}, ${vm.status}${vm.unhealthyReason ? `: ${vm.unhealthyReason}` : ''}`,
    data: {
      vmId: vm.name,
      name: vm.name,
      status: vm.status,
      provider: vm.provider,
      cpuPercent: Math.round(vm.cpuPercent),
      memoryMiB: toMiB(memoryBytes),
      memoryPercent: budget > 0 ? Math.round((memoryBytes / budget) * 100) : 0,
      replicas: vm.containers.length,
      ready: vm.containers.filter((c) => c.state === 'ready').length,
      target: vm.target,
      capacity: vm.capacity.containers,
      runtime: vm.agent?.runtime ?? null,
      mode: vm.agent?.mode ?? null,
      unhealthyReason: vm.unhealthyReason,
    },
  }
}

/** The container's node without where and how big: the caller draws it as a full node or a cell. */
function containerNode(
  vmId: string,
  container: ContainerInfo,
  shortName: string,
  id: string,
): Omit<ContainerFlowNode, 'position'> {
  return {
    id,
    type: 'container',
    ariaLabel: `Container ${container.name} on ${vmId}, ${container.state}${container.unhealthyReason ? `: ${container.unhealthyReason}` : ''}`,
    data: {
      vmId,
      containerId: container.id,
      name: container.name,
      shortName,
      state: container.state,
      cpuPercent: Math.round(container.cpuPercent),
      memoryMiB: toMiB(container.memoryBytes),
      requestRate: roundRate(container.requestRate),
      unhealthyReason: container.unhealthyReason,
    },
  }
}

/**
 * Fixed sizes, declared as already measured: React Flow then keeps a changed node's measured handles
 * instead of dropping them until it measures the DOM again, which would unmount and remount every edge
 * of that node on each snapshot.
 */
function sized(size: { readonly width: number; readonly height: number }) {
  return { width: size.width, height: size.height, measured: { width: size.width, height: size.height } }
}

function sameNode(a: TopologyNode, b: TopologyNode): boolean {
  return (
    a.type === b.type &&
    a.position.x === b.position.x &&
    a.position.y === b.position.y &&
    a.className === b.className &&
    (a.selected ?? false) === (b.selected ?? false) &&
    sameFields(a.data, b.data)
  )
}

function sameEdge(a: Edge, b: Edge): boolean {
  return (
    a.source === b.source &&
    a.target === b.target &&
    a.label === b.label &&
    a.animated === b.animated &&
    a.className === b.className
  )
}

/** Node data is flat and built with the same keys every time, so comparing one side's keys suffices. */
function sameFields(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  for (const key in a) if (a[key] !== b[key]) return false
  return true
}
