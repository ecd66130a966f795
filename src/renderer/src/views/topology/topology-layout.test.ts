// @vitest-environment happy-dom
// The topology layout: deterministic, never moves a placed node, never overlaps two nodes.
import { describe, expect, it } from 'vitest'
import {
  CONTAINER_SIZE,
  containerPosition,
  type LayoutVm,
  layoutTopology,
  type TopologyLayout,
  VIM_SIZE,
  VM_SIZE,
  vimPosition,
  vmPosition,
} from './topology-layout'

const vm = (name: string, ...containers: string[]): LayoutVm => ({
  name,
  containers: containers.map((c) => ({ id: c })),
})

/** Every placed node's rectangle, for the overlap check. */
interface Rect {
  id: string
  x: number
  y: number
  width: number
  height: number
}

function rectangles(layout: TopologyLayout): Rect[] {
  const rects: Rect[] = [{ id: 'vim', ...vimPosition(), ...VIM_SIZE }]
  for (const [vmId, column] of layout.columns) {
    rects.push({ id: vmId, ...vmPosition(column), ...VM_SIZE })
    for (const [containerId, row] of layout.rows.get(vmId) ?? []) {
      rects.push({ id: `${vmId}/${containerId}`, ...containerPosition(column, row), ...CONTAINER_SIZE })
    }
  }
  return rects
}

function overlaps(layout: TopologyLayout): string[] {
  const rects = rectangles(layout)
  const found: string[] = []
  for (let i = 0; i < rects.length; i++) {
    for (let j = i + 1; j < rects.length; j++) {
      const a = rects[i]!
      const b = rects[j]!
      if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) {
        found.push(`${a.id} × ${b.id}`)
      }
    }
  }
  return found
}

describe('layoutTopology', () => {
  it.each([
    { name: 'one VM, no containers', vms: [vm('a')], columns: { a: 0 }, rows: { a: {} } },
    { name: 'VMs in the given order', vms: [vm('a'), vm('b'), vm('c')], columns: { a: 0, b: 1, c: 2 } },
    {
      name: 'containers in a column under their VM',
      vms: [vm('a', 'a1', 'a2'), vm('b', 'b1')],
      columns: { a: 0, b: 1 },
      rows: { a: { a1: 0, a2: 1 }, b: { b1: 0 } },
    },
  ])('places $name', ({ vms, columns, rows }) => {
    const layout = layoutTopology(vms)
    expect(Object.fromEntries(layout.columns)).toEqual(columns)
    if (rows) {
      expect(Object.fromEntries([...layout.rows].map(([id, r]) => [id, Object.fromEntries(r)]))).toEqual(rows)
    }
  })

  // Each step is the cluster after a change; the expectation is every slot after it.
  it.each([
    {
      name: 'a VM leaving keeps the others in place, and a newcomer takes the gap',
      steps: [
        [vm('a'), vm('b'), vm('c')],
        [vm('a'), vm('c')],
        [vm('a'), vm('c'), vm('d')],
      ],
      columns: [
        { a: 0, b: 1, c: 2 },
        { a: 0, c: 2 },
        { a: 0, c: 2, d: 1 },
      ],
    },
    {
      name: 'a VM arriving in the middle of the name order goes to the end, not between',
      steps: [
        [vm('a'), vm('c')],
        [vm('a'), vm('b'), vm('c')],
      ],
      columns: [
        { a: 0, c: 1 },
        { a: 0, b: 2, c: 1 },
      ],
    },
  ])('$name', ({ steps, columns }) => {
    let layout: TopologyLayout | undefined
    steps.forEach((vms, i) => {
      layout = layoutTopology(vms, layout)
      expect(Object.fromEntries(layout.columns)).toEqual(columns[i])
    })
  })

  it('keeps containers in their rows as siblings come and go', () => {
    let layout = layoutTopology([vm('a', 'x', 'y', 'z')])
    layout = layoutTopology([vm('a', 'x', 'z')], layout)
    expect(Object.fromEntries(layout.rows.get('a')!)).toEqual({ x: 0, z: 2 })
    layout = layoutTopology([vm('a', 'x', 'z', 'w', 'v')], layout)
    expect(Object.fromEntries(layout.rows.get('a')!)).toEqual({ x: 0, z: 2, w: 1, v: 3 })
  })

  it('returns the previous layout itself when nothing was placed or removed', () => {
    const first = layoutTopology([vm('a', 'x'), vm('b')])
    expect(layoutTopology([vm('a', 'x'), vm('b')], first)).toBe(first)
    expect(layoutTopology([vm('a', 'x', 'y'), vm('b')], first)).not.toBe(first)
  })

  it('is deterministic: the same history gives the same layout', () => {
    const history = [
      [vm('a', '1', '2'), vm('b', '3')],
      [vm('b', '3', '4')],
      [vm('c'), vm('b', '4'), vm('a', '5')],
    ]
    const replay = () =>
      history.reduce<TopologyLayout | undefined>((layout, vms) => layoutTopology(vms, layout), undefined)
    expect(replay()).toEqual(replay())
  })

  it('packs again without a previous layout (Tidy layout)', () => {
    let layout = layoutTopology([vm('a'), vm('b'), vm('c')])
    layout = layoutTopology([vm('c')], layout)
    expect(layout.columns.get('c')).toBe(2)
    expect(layoutTopology([vm('c')]).columns.get('c')).toBe(0)
  })

  it('never overlaps two nodes, at 50 VMs × 10 containers and through churn', () => {
    const ids = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`)
    const full = ids(50, 'vm').map((id) => vm(id, ...ids(10, `${id}-c`)))
    let layout = layoutTopology(full)
    expect(overlaps(layout)).toEqual([])
    // Every third VM goes, the rest lose and gain containers; then new VMs arrive.
    const churned = full
      .filter((_, i) => i % 3 !== 0)
      .map((v, i) =>
        vm(v.name, ...v.containers.filter((_, k) => (k + i) % 2 === 0).map((c) => c.id), `${v.name}-new`),
      )
    layout = layoutTopology([...churned, ...ids(20, 'late').map((id) => vm(id, `${id}-c0`))], layout)
    expect(overlaps(layout)).toEqual([])
    expect(new Set(layout.columns.values()).size).toBe(layout.columns.size)
  })
})
