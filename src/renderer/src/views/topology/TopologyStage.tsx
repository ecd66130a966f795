// The graph with, over its right side, the details of the node the user opened; Escape closes them and
// gives the focus back to that node.

import { useCallback, useState } from 'react'
import type { ClusterSnapshot } from '../../../../shared/domain/cluster'
import { DetailsPanel } from './DetailsPanel'
import { TopologyFlow } from './TopologyFlow'
import { selectionNodeId, selectionOf, type TopologyNode, type TopologySelection } from './topology-graph'
import { useTopologyGraph } from './useTopologyGraph'

export function TopologyStage({ cluster }: { cluster: ClusterSnapshot }) {
  const [selection, setSelection] = useState<TopologySelection | undefined>(undefined)
  const { graph, tidy } = useTopologyGraph(cluster, selectionNodeId(selection))

  const open = useCallback((node: TopologyNode) => {
    const next = selectionOf(node)
    if (next) setSelection(next)
  }, [])
  const close = useCallback(() => {
    focusNode(selectionNodeId(selection))
    setSelection(undefined)
  }, [selection])

  return (
    <section className="topology-stage" aria-label="Cluster graph">
      <TopologyFlow graph={graph} onOpen={open} />
      <button
        type="button"
        className="topology-tidy"
        onClick={tidy}
        title="Pack the nodes again, closing the gaps left by VMs and containers that went away"
      >
        Tidy layout
      </button>
      {selection && (
        <DetailsPanel
          key={selectionNodeId(selection)}
          cluster={cluster}
          selection={selection}
          onClose={close}
        />
      )}
    </section>
  )
}

function focusNode(nodeId: string | undefined): void {
  if (!nodeId) return
  // After React has removed the panel, so the focus does not land in an element about to go.
  setTimeout(() => {
    for (const element of document.querySelectorAll<HTMLElement>('.react-flow__node')) {
      if (element.dataset.id === nodeId) return element.focus()
    }
  })
}
