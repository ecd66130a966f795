// Which replicas to start or drain to reach a target: a pure decision, so the agent's loop only acts.

export type ReplicaState = 'starting' | 'ready' | 'draining'

export interface ReplicaView {
  id: string
  state: ReplicaState
  inFlight: number
  startedAt: number
}

export interface ReplicaPlan {
  start: number
  drain: string[]
}

/**
 * Draining replicas still hold their slot until they are gone, so starts never push the VM past its
 * capacity. Surplus goes first from replicas that serve nobody yet, then from the least busy, newest.
 */
export function planReplicas(
  replicas: readonly ReplicaView[],
  pendingStarts: number,
  target: number,
  capacity: number,
): ReplicaPlan {
  const active = replicas.filter((r) => r.state !== 'draining')
  const draining = replicas.length - active.length
  const have = active.length + pendingStarts
  const want = Math.max(0, Math.min(target, capacity))
  if (have < want) {
    return { start: Math.max(0, Math.min(want - have, capacity - have - draining)), drain: [] }
  }
  const surplus = active.length - Math.max(0, want - pendingStarts)
  if (surplus <= 0) return { start: 0, drain: [] }
  const order = [...active].sort(
    (a, b) =>
      Number(a.state === 'ready') - Number(b.state === 'ready') ||
      a.inFlight - b.inFlight ||
      b.startedAt - a.startedAt,
  )
  return { start: 0, drain: order.slice(0, surplus).map((r) => r.id) }
}
