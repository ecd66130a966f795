// The live graph: React Flow drawing what buildTopologyGraph derives from each snapshot. Nodes are not
// draggable (the layout owns positions); click or Enter on a focused node opens its details.
import '@xyflow/react/dist/style.css'
import './topology.css'
import {
  Background,
  Controls,
  type EdgeTypes,
  type FitViewOptions,
  type NodeTypes,
  ReactFlow,
  type ReactFlowInstance,
} from '@xyflow/react'
import { useCallback, useEffect, useRef, useState } from 'react'
import { useApp } from '../../app-context'
import { CellNode } from './CellNode'
import { ContainerNode } from './ContainerNode'
import { RateEdge } from './RateEdge'
import type { TopologyGraph, TopologyNode } from './topology-graph'
import { boundsOf, initialViewport, OVERVIEW_ZOOM } from './topology-viewport'
import { VimNode } from './VimNode'
import { VmNode } from './VmNode'

const NODE_TYPES: NodeTypes = { vim: VimNode, vm: VmNode, container: ContainerNode, cell: CellNode }
const EDGE_TYPES: EdgeTypes = { rate: RateEdge }
/** The "fit view" control: the whole cluster, however small that makes it. */
const FIT: FitViewOptions<TopologyNode> = { maxZoom: 1, padding: 0.05 }

export function TopologyFlow({ graph, onOpen }: { graph: TopologyGraph; onOpen(node: TopologyNode): void }) {
  const theme = useApp((state) => state.theme)
  const wrapper = useRef<HTMLDivElement>(null)
  const flow = useRef<ReactFlowInstance<TopologyNode> | undefined>(undefined)
  const userMoved = useRef(false)
  // Zoomed out this far, busy edges keep their dashes but stop marching: the motion is too small to
  // see, and repainting every edge on every frame halved the frame rate of a 50-VM overview.
  const [overview, setOverview] = useState(false)
  const latest = useRef({ graph, onOpen })
  useEffect(() => {
    latest.current = { graph, onOpen }
  }, [graph, onOpen])

  const onNodeClick = useCallback((_event: unknown, node: TopologyNode) => latest.current.onOpen(node), [])

  // Frame the cluster when it opens and as VMs arrive, until the user pans or zooms themselves.
  const frame = useCallback(() => {
    const element = wrapper.current
    if (!flow.current || !element || userMoved.current || element.clientWidth === 0) return
    const view = { width: element.clientWidth, height: element.clientHeight }
    void flow.current.setViewport(initialViewport(boundsOf(latest.current.graph.nodes), view))
  }, [])
  const vmCount = graph.layout.columns.size
  useEffect(() => {
    if (vmCount > 0) frame()
  }, [vmCount, frame])

  // React Flow focuses nodes (Tab) but only selects them on Enter; here Enter opens the details.
  useEffect(() => {
    const element = wrapper.current
    if (!element) return
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Enter') return
      const target = event.target as HTMLElement
      if (!target.classList.contains('react-flow__node')) return
      const node = latest.current.graph.nodeById.get(target.dataset.id ?? '')
      if (!node) return
      event.preventDefault()
      latest.current.onOpen(node)
    }
    element.addEventListener('keydown', onKeyDown)
    return () => element.removeEventListener('keydown', onKeyDown)
  }, [])

  return (
    <div className={overview ? 'topology-flow is-overview' : 'topology-flow'} ref={wrapper}>
      <ReactFlow<TopologyNode>
        aria-label="Cluster topology: the VIM, its VMs and their containers"
        nodes={graph.nodes}
        edges={graph.edges}
        nodeTypes={NODE_TYPES}
        edgeTypes={EDGE_TYPES}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        deleteKeyCode={null}
        onNodeClick={onNodeClick}
        onInit={(instance) => {
          flow.current = instance
          frame()
        }}
        onMoveStart={(event) => {
          if (event) userMoved.current = true
        }}
        // Also called for the app's own moves (the opening frame, "Fit View").
        onMove={(_event, viewport) => setOverview(viewport.zoom < OVERVIEW_ZOOM)}
        // Zoomed in on a big cluster, React Flow then mounts only the nodes in view.
        onlyRenderVisibleElements={graph.nodes.length > 200}
        minZoom={0.05}
        maxZoom={1.5}
        colorMode={theme}
      >
        <Background gap={24} />
        <Controls showInteractive={false} fitViewOptions={FIT} />
      </ReactFlow>
    </div>
  )
}
