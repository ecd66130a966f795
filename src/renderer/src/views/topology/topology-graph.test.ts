// @vitest-environment happy-dom
// Snapshot → React Flow nodes and edges: what each node shows, and that unchanged nodes are reused.
import { describe, expect, it } from 'vitest'
import type { VmInfo } from '../../../../shared/domain/cluster'
import { container, snapshot, vm } from '../../test-support/fixtures'
import { measureSnapshotApply, syntheticCluster } from './snapshot-apply-bench'
import {
  ASSUMED_MEMORY_PER_CONTAINER_BYTES,
  buildTopologyGraph,
  type ContainerFlowNode,
  containerNodeId,
  type TopologyGraph,
  type VmFlowNode,
  vmNodeId,
} from './topology-graph'

const vmNode = (graph: TopologyGraph, id: string) => graph.nodeById.get(vmNodeId(id)) as VmFlowNode
const containerNode = (graph: TopologyGraph, vmId: string, id: string) =>
  graph.nodeById.get(containerNodeId(vmId, id)) as ContainerFlowNode

describe('buildTopologyGraph', () => {
  it('draws many containers per VM as cells four to a row, named by what tells them apart', () => {
    const many = (n: number, prefix: string) =>
      Array.from({ length: n }, (_, i) => container({ id: `${prefix}${i}`, name: `acs-lab-1-${prefix}${i}` }))
    const compact = buildTopologyGraph(
      snapshot([vm({ name: 'lab-1', containers: many(8, 'c') }), vm({ name: 'lab-2' })]),
    )
    const cells = compact.nodes.filter((node) => node.type === 'cell')
    expect(cells).toHaveLength(8)
    expect(cells.map((cell) => (cell.data as { shortName: string }).shortName)).toEqual(
      Array.from({ length: 8 }, (_, i) => `c${i}`),
    )
    // Two rows of four, side by side: no cell overlaps another.
    expect(new Set(cells.map((cell) => cell.position.y)).size).toBe(2)
    expect(new Set(cells.map((cell) => `${cell.position.x},${cell.position.y}`)).size).toBe(8)
    // Four per VM still get full nodes.
    const full = buildTopologyGraph(snapshot([vm({ name: 'lab-1', containers: many(4, 'c') })]))
    expect(full.nodes.filter((node) => node.type === 'container')).toHaveLength(4)
  })

  it('draws the VIM, each VM and each container, with an edge VIM → VM', () => {
    const graph = buildTopologyGraph(
      snapshot([
        vm({ name: 'lab-1', containers: [container({ name: 'web-1' }), container({ name: 'web-2' })] }),
        vm({ name: 'lab-2' }),
      ]),
    )
    expect(graph.nodes.map((node) => node.id)).toEqual([
      'vim',
      'vm:lab-1',
      'ct:lab-1/web-1',
      'ct:lab-1/web-2',
      'vm:lab-2',
    ])
    expect(graph.edges.map((edge) => `${edge.source} → ${edge.target}`)).toEqual([
      'vim → vm:lab-1',
      'vim → vm:lab-2',
    ])
    // Containers hang under their VM by a line the CSS draws from the first one down.
    expect(graph.nodeById.get('ct:lab-1/web-1')?.className).toBe('first-in-column')
    expect(graph.nodeById.get('ct:lab-1/web-2')?.className).toBe('in-column')
  })

  it.each<{ status: VmInfo['status'] }>([
    { status: 'provisioning' },
    { status: 'ready' },
    { status: 'draining' },
    { status: 'down' },
    { status: 'stopped' },
  ])('carries the status $status to the node (its colour) and its edge', ({ status }) => {
    const graph = buildTopologyGraph(snapshot([vm({ name: 'lab-1', status })]))
    expect(vmNode(graph, 'lab-1').data.status).toBe(status)
    expect(vmNode(graph, 'lab-1').ariaLabel).toBe(`VM lab-1, ${status}`)
    expect(graph.edgeById.get('vim->vm:lab-1')?.className).toContain(`status-${status}`)
  })

  it.each([
    { runtime: 'process' as const, expected: 'process' },
    { runtime: 'docker' as const, expected: 'docker' },
  ])(
    'tells the $runtime runtime apart (the node labels process as "no isolation")',
    ({ runtime, expected }) => {
      const agent = {
        version: '1',
        runtime,
        mode: 'standalone' as const,
        connectedAt: 0,
        recommendation: null,
      }
      const data = vmNode(buildTopologyGraph(snapshot([vm({ name: 'a', agent })])), 'a').data
      expect(data.runtime).toBe(expected)
      expect(data.mode).toBe('standalone')
    },
  )

  it('summarises a VM: CPU, memory against its assumed budget, replicas, target, room', () => {
    const graph = buildTopologyGraph(
      snapshot([
        vm({
          name: 'lab-1',
          cpuPercent: 41.6,
          target: 3,
          capacity: { containers: 4 },
          containers: [
            container({ name: 'a', memoryBytes: ASSUMED_MEMORY_PER_CONTAINER_BYTES }),
            container({ name: 'b', state: 'starting', memoryBytes: 0 }),
          ],
        }),
      ]),
    )
    expect(vmNode(graph, 'lab-1').data).toMatchObject({
      cpuPercent: 42,
      memoryMiB: 256,
      memoryPercent: 25,
      replicas: 2,
      ready: 1,
      target: 3,
      capacity: 4,
    })
  })

  it('labels the VIM → VM edge with the request rate and animates it only while traffic flows', () => {
    const graph = buildTopologyGraph(
      snapshot([vm({ name: 'busy', requestRate: 2.46 }), vm({ name: 'idle', requestRate: 0 })]),
    )
    expect(graph.edgeById.get('vim->vm:busy')).toMatchObject({ label: '2.5 req/s', animated: true })
    expect(graph.edgeById.get('vim->vm:idle')).toMatchObject({ label: '0 req/s', animated: false })
  })

  it('gives a container its CPU of its limit, rounded, and its state', () => {
    const graph = buildTopologyGraph(
      snapshot([
        vm({ name: 'v', containers: [container({ name: 'c', cpuPercent: 91.4, state: 'draining' })] }),
      ]),
    )
    expect(containerNode(graph, 'v', 'c').data).toMatchObject({ cpuPercent: 91, state: 'draining' })
  })

  it('reuses every node and edge whose look did not change, and only those', () => {
    const before = snapshot([
      vm({ name: 'a', containers: [container({ name: 'a1', cpuPercent: 10 }), container({ name: 'a2' })] }),
      vm({ name: 'b', containers: [container({ name: 'b1' })] }),
    ])
    const first = buildTopologyGraph(before)
    // New objects everywhere (as every snapshot from the core is), but only a1's CPU changed visibly.
    const after = structuredClone(before)
    after.vms[0]!.containers[0]!.cpuPercent = 55
    after.vms[1]!.containers[0]!.cpuPercent = 0.2 // rounds to 0 like before: not a visible change
    const second = buildTopologyGraph(after, first)

    const changed = second.nodes.filter((node) => first.nodeById.get(node.id) !== node).map((node) => node.id)
    expect(changed).toEqual(['ct:a/a1'])
    expect(second.reusedNodes).toBe(second.nodes.length - 1)
    expect(second.edges.every((edge) => first.edgeById.get(edge.id) === edge)).toBe(true)
  })

  it('hands back the very same arrays when nothing visible changed', () => {
    const first = buildTopologyGraph(snapshot([vm({ name: 'a', containers: [container({ name: 'x' })] })]))
    const second = buildTopologyGraph(
      snapshot([vm({ name: 'a', containers: [container({ name: 'x' })] })]),
      first,
    )
    expect(second.nodes).toBe(first.nodes)
    expect(second.edges).toBe(first.edges)
  })

  it('adds and removes nodes without moving the others', () => {
    const first = buildTopologyGraph(snapshot([vm({ name: 'a' }), vm({ name: 'b' }), vm({ name: 'c' })]))
    const second = buildTopologyGraph(
      snapshot([vm({ name: 'a' }), vm({ name: 'c' }), vm({ name: 'd' })]),
      first,
    )
    expect(second.nodeById.has('vm:b')).toBe(false)
    expect(second.nodeById.get('vm:a')).toBe(first.nodeById.get('vm:a'))
    expect(second.nodeById.get('vm:c')).toBe(first.nodeById.get('vm:c'))
    expect(second.nodeById.get('vm:d')?.position).toEqual(first.nodeById.get('vm:b')?.position)
  })

  it('marks the selected node, replacing only that node and the one that lost the mark', () => {
    const cluster = snapshot([vm({ name: 'a' }), vm({ name: 'b' })])
    const first = buildTopologyGraph(cluster, undefined, 'vm:a')
    const second = buildTopologyGraph(cluster, first, 'vm:b')
    expect(second.nodeById.get('vm:a')?.selected).toBe(false)
    expect(second.nodeById.get('vm:b')?.selected).toBe(true)
    expect(second.nodeById.get('vim')).toBe(first.nodeById.get('vim'))
  })

  it('reuses the unchanged nodes when applying a 50 VM × 10 container snapshot (its time is benchmarked)', () => {
    const result = measureSnapshotApply({ rounds: 5 })
    expect(result.nodes).toBe(1 + 50 + 500)
    expect(result.edges).toBe(50)
    expect(result.reusedShare).toBeGreaterThan(0.5)
  })

  it('builds the synthetic cluster the benchmark uses deterministically', () => {
    expect(syntheticCluster(3, 2, 5)).toEqual(syntheticCluster(3, 2, 5))
  })
})
