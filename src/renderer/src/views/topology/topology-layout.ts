// Where each node of the topology graph sits: a pure tree layout (VIM on top, VMs in a row, each VM's
// containers in a column under it) that never moves a node once placed, so nothing jumps as others come
// and go. A departed node's slot is reused by the next newcomer; `layoutTopology` without a previous
// layout packs everything tightly again.

export const VIM_SIZE = { width: 220, height: 72 } as const
export const VM_SIZE = { width: 230, height: 136 } as const
export const CONTAINER_SIZE = { width: 210, height: 76 } as const
/** A container as a compact cell: its short name and CPU, four to a row under its VM. */
export const CELL_SIZE = { width: 50, height: 46 } as const
/**
 * Above this many containers on one VM the whole graph shows containers as cells: a column of full nodes
 * would not fit the screen without zooming their text below a readable size.
 */
export const COMPACT_ABOVE = 4
const CELLS_PER_ROW = 4
const CELL_GAP = 3

const COLUMN_PITCH = VM_SIZE.width + 40
const VM_ROW_Y = VIM_SIZE.height + 90
// topology.css draws the line from a VM down its containers with these numbers (36, 14, indent 20).
const CONTAINER_TOP = VM_ROW_Y + VM_SIZE.height + 36
const CONTAINER_PITCH = CONTAINER_SIZE.height + 14
/** Containers sit indented under their VM, so the line to them runs down its left side. */
const CONTAINER_INDENT = VM_SIZE.width - CONTAINER_SIZE.width

export interface XY {
  readonly x: number
  readonly y: number
}

/** What the layout needs to know of a VM: its id and its containers' ids, in display order. */
export interface LayoutVm {
  readonly name: string
  readonly containers: readonly { readonly id: string }[]
}

export interface TopologyLayout {
  /** VM id → its column in the row. */
  readonly columns: ReadonlyMap<string, number>
  /** VM id → (container id → its row in the VM's column). */
  readonly rows: ReadonlyMap<string, ReadonlyMap<string, number>>
}

export const EMPTY_LAYOUT: TopologyLayout = { columns: new Map(), rows: new Map() }

/**
 * Gives every VM a column and every container a row. Ids already placed in `previous` keep their slot;
 * newcomers take the lowest free slot, in the order given (the core sends VMs sorted by name).
 * Returns `previous` itself when nothing was placed or removed.
 */
export function layoutTopology(
  vms: readonly LayoutVm[],
  previous: TopologyLayout = EMPTY_LAYOUT,
): TopologyLayout {
  const columns = assignSlots(
    vms.map((vm) => vm.name),
    previous.columns,
  )
  let changed = columns !== previous.columns
  const rows = new Map<string, ReadonlyMap<string, number>>()
  for (const vm of vms) {
    const before = previous.rows.get(vm.name) ?? EMPTY_SLOTS
    const after = assignSlots(
      vm.containers.map((c) => c.id),
      before,
    )
    if (after !== before || !previous.rows.has(vm.name)) changed = true
    rows.set(vm.name, after)
  }
  if (rows.size !== previous.rows.size) changed = true
  return changed ? { columns, rows } : previous
}

export function vimPosition(): XY {
  // Above the first column, fixed: centring it over the row would move it whenever a VM arrives.
  return { x: (VM_SIZE.width - VIM_SIZE.width) / 2, y: 0 }
}

export function vmPosition(column: number): XY {
  return { x: column * COLUMN_PITCH, y: VM_ROW_Y }
}

export function containerPosition(column: number, row: number): XY {
  return { x: column * COLUMN_PITCH + CONTAINER_INDENT, y: CONTAINER_TOP + row * CONTAINER_PITCH }
}

/** Whether containers show as cells: when any VM holds more than COMPACT_ABOVE of them. Pure. */
export function isCompact(vms: readonly LayoutVm[]): boolean {
  return vms.some((vm) => vm.containers.length > COMPACT_ABOVE)
}

/** The `slot`th cell under the VM of `column`: rows of four, left to right. */
export function cellPosition(column: number, slot: number): XY {
  const row = Math.floor(slot / CELLS_PER_ROW)
  const inRow = slot % CELLS_PER_ROW
  return {
    x: column * COLUMN_PITCH + CONTAINER_INDENT + inRow * (CELL_SIZE.width + CELL_GAP),
    y: CONTAINER_TOP + row * (CELL_SIZE.height + CELL_GAP),
  }
}

const EMPTY_SLOTS: ReadonlyMap<string, number> = new Map()

/** Keeps the slots of ids still present, frees the others, and fills the lowest free slots with newcomers. */
function assignSlots(
  ids: readonly string[],
  previous: ReadonlyMap<string, number>,
): ReadonlyMap<string, number> {
  const present = new Set(ids)
  let changed = previous.size !== present.size
  const slots = new Map<string, number>()
  const taken = new Set<number>()
  for (const [id, slot] of previous) {
    if (present.has(id)) {
      slots.set(id, slot)
      taken.add(slot)
    } else {
      changed = true
    }
  }
  let next = 0
  for (const id of ids) {
    if (slots.has(id)) continue
    while (taken.has(next)) next++
    slots.set(id, next)
    taken.add(next)
    changed = true
  }
  return changed ? slots : previous
}
