// Keeps the previous graph between snapshots so buildTopologyGraph can reuse unchanged nodes, and lets
// the user pack the layout again ("Tidy layout") after VMs and containers have come and gone.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { ClusterSnapshot } from '../../../../shared/domain/cluster'
import { buildTopologyGraph, type TopologyGraph } from './topology-graph'

export function useTopologyGraph(
  cluster: ClusterSnapshot,
  selectedNodeId: string | undefined,
): { graph: TopologyGraph; tidy(): void } {
  const previous = useRef<{ graph: TopologyGraph; epoch: number } | undefined>(undefined)
  const [epoch, setEpoch] = useState(0)
  const graph = useMemo(
    // A new epoch starts from no previous layout: every node takes the lowest free slot again.
    () =>
      buildTopologyGraph(
        cluster,
        epoch === previous.current?.epoch ? previous.current.graph : undefined,
        selectedNodeId,
      ),
    [cluster, selectedNodeId, epoch],
  )
  // Updated once committed, so a render React throws away does not become the base of the next one.
  useEffect(() => {
    previous.current = { graph, epoch }
  }, [graph, epoch])
  const tidy = useCallback(() => setEpoch((n) => n + 1), [])
  return { graph, tidy }
}
