// How long the graph takes to absorb one snapshot of a busy cluster (50 VMs × 10 containers by default):
// layout plus snapshot → React Flow nodes and edges, as the Topology page does 4 times a second. Pure,
// so the benchmark runs it in plain Node; the React Flow render after it is measured by the view test.
import type { ClusterSnapshot, VmInfo } from '../../../../shared/domain/cluster'
import { buildTopologyGraph, type TopologyGraph } from './topology-graph'

export interface SnapshotApplyResult {
  vms: number
  containersPerVm: number
  nodes: number
  edges: number
  rounds: number
  /** Per snapshot, in milliseconds. */
  meanMs: number
  p50Ms: number
  p95Ms: number
  maxMs: number
  /** Share of nodes handed back unchanged (same object) per snapshot, 0…1. */
  reusedShare: number
}

/**
 * A cluster as the core sends it, `tick` seconds into a run: CPU and rates drift every tick for a third
 * of the containers (the rest are idle or steady), the way a real 1 Hz report changes.
 */
export function syntheticCluster(vms: number, containersPerVm: number, tick = 0): ClusterSnapshot {
  const list: VmInfo[] = []
  for (let v = 0; v < vms; v++) {
    const containers = []
    for (let c = 0; c < containersPerVm; c++) {
      const busy = (v + c) % 3 === 0
      const cpu = busy ? 40 + ((v * 7 + c * 13 + tick * 11) % 55) : 5
      containers.push({
        id: `vm-${v}-c-${c}`,
        name: `acs-vm-${v}-web-${c}`,
        state: 'ready' as const,
        cpuPercent: cpu,
        memoryBytes: (48 + (busy ? tick % 4 : 0)) * 2 ** 20,
        inFlight: busy ? 2 : 0,
        requestRate: busy ? 5 + (tick % 7) : 0,
        latencyMsP95: busy ? 12 : null,
        unhealthyReason: null,
      })
    }
    list.push({
      name: `vm-${v}`,
      status: 'ready',
      provider: 'lab',
      address: `127.0.0.1:${18100 + v}`,
      capacity: { containers: containersPerVm },
      containers,
      target: containersPerVm,
      cpuPercent: containers.reduce((sum, c) => sum + c.cpuPercent, 0) / containersPerVm,
      requestRate: containers.reduce((sum, c) => sum + c.requestRate, 0),
      agent: { version: '0.1.0', runtime: 'docker', mode: 'following', connectedAt: 0, recommendation: null },
      login: null,
      agentKey: null,
      unhealthyReason: null,
    })
  }
  return { at: 1_700_000_000_000 + tick * 1000, vms: list, proxyUrl: 'http://127.0.0.1:18080' }
}

export function measureSnapshotApply({
  vms = 50,
  containersPerVm = 10,
  rounds = 200,
  now = () => performance.now(),
}: {
  vms?: number
  containersPerVm?: number
  rounds?: number
  now?: () => number
} = {}): SnapshotApplyResult {
  // Built up front, so only the apply is timed (the core's JSON parse is not the graph's cost).
  const snapshots = Array.from({ length: rounds + 20 }, (_, tick) =>
    syntheticCluster(vms, containersPerVm, tick),
  )
  let graph: TopologyGraph | undefined
  for (const snapshot of snapshots.slice(0, 20)) graph = buildTopologyGraph(snapshot, graph) // warm-up
  const times: number[] = []
  let reused = 0
  for (const snapshot of snapshots.slice(20)) {
    const start = now()
    graph = buildTopologyGraph(snapshot, graph)
    times.push(now() - start)
    reused += graph.reusedNodes / graph.nodes.length
  }
  times.sort((a, b) => a - b)
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!
  return {
    vms,
    containersPerVm,
    nodes: graph!.nodes.length,
    edges: graph!.edges.length,
    rounds,
    meanMs: times.reduce((sum, t) => sum + t, 0) / times.length,
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    maxMs: times.at(-1)!,
    reusedShare: reused / rounds,
  }
}
